//! The phone memo, shown over the composer after a phone export, to read out during the call
//! (seed §8). Any key closes it.

use super::help::Close;
use crate::tui::context::Context;
use crate::tui::keymap::Press;
use crate::tui::screen::{LayerKind, Nav, Outcome, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::fold::fold_lines;
use crate::tui::widgets::popup::{clear_popup, popup};
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub struct PhoneMemo {
    pub memo: String,
}

impl Screen for PhoneMemo {
    type Action = Close;
    const ID: ScreenId = ScreenId::PhoneMemo;
    const KIND: LayerKind = LayerKind::Overlay;

    fn action_for(&self, _press: &Press, _ctx: &Context) -> Option<Close> {
        Some(Close)
    }

    fn paste(&self, _text: &str) -> Vec<Close> {
        vec![Close]
    }

    fn update(&mut self, _action: Close, _ctx: &mut Context) -> Outcome {
        Outcome::nav(Nav::Pop)
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        _ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        let rect = popup(area, 76, 20);
        clear_popup(frame, rect);
        let block = Block::bordered().title(format!(" {} ", text::PHONE_MEMO_TITLE));
        let lines = fold_lines(
            self.memo.lines().map(Line::from).collect(),
            block.inner(rect).width,
        );
        frame.render_widget(Paragraph::new(lines).block(block), rect);
        None
    }
}
