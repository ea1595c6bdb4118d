//! A box over the screen: centred, and cleared without cutting the wide characters beneath
//! in half.

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Clear;
use ratatui::Frame;

/// Clears a popup's area, and the wide characters of what lies beneath that straddle its edges:
/// a kanji whose right half falls under the border would otherwise be cut in half on screen.
pub fn clear_popup(frame: &mut Frame, rect: Rect) {
    frame.render_widget(Clear, rect);
    let buffer = frame.buffer_mut();
    let bounds = buffer.area;
    for y in rect.top()..rect.bottom() {
        if rect.x > bounds.x {
            let left = &mut buffer[(rect.x - 1, y)];
            if Span::raw(left.symbol().to_string()).width() > 1 {
                left.set_symbol(" ");
            }
        }
        if rect.right() < bounds.right() {
            // The cell after the popup may be the right half of a wide character whose left half
            // the popup covered: give it a blank of its own.
            let right = &mut buffer[(rect.right(), y)];
            if right.symbol().is_empty() {
                right.set_symbol(" ");
            }
        }
    }
}

pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
