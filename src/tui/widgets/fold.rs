//! Fitting text to a width: lines folded at the pane's edge, names shortened with ….

use super::text_field::char_width;
use ratatui::text::{Line, Span};

/// Styled lines broken by display width, character by character (ratatui's word wrapping
/// waits for a space, which Japanese rarely has, and can overrun the border with wide
/// characters).
pub fn fold_lines(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(2));
    let mut folded = Vec::new();
    for line in lines {
        let mut current: Vec<Span<'static>> = Vec::new();
        let mut x = 0;
        for span in &line.spans {
            let mut run = String::new();
            for ch in span.content.chars() {
                let w = char_width(ch);
                if x + w > width {
                    if !run.is_empty() {
                        current.push(Span::styled(std::mem::take(&mut run), span.style));
                    }
                    folded.push(Line::from(std::mem::take(&mut current)).style(line.style));
                    x = 0;
                }
                run.push(ch);
                x += w;
            }
            if !run.is_empty() {
                current.push(Span::styled(run, span.style));
            }
        }
        folded.push(Line::from(current).style(line.style));
    }
    folded
}

/// At most `width` display columns, ending in … when cut.
pub fn shorten(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}
