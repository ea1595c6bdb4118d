//! One trait for every screen (gitui's component, helix's compositor layer). A screen turns a
//! key into one of its own actions, changes its state for the action with no I/O (returning
//! effects for the runtime and where to go next), and draws by reading only. The app keeps the
//! screens as a stack of layers: keys go to the top one, ticks to every one, background messages
//! front to back until one takes them; drawing goes back to front from the last opaque layer, and
//! the caret (for the IME) comes from the top.

use super::context::Context;
use super::keymap::Press;
use super::message::{Effect, Message};
use ratatui::layout::{Position, Rect};
use ratatui::Frame;
use std::any::Any;

/// Which screen a layer is (for routing rules and tests, never for reaching into one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenId {
    Login,
    Password,
    Lock,
    Search,
    Filters,
    Help,
    Slips,
    Composer,
    PhoneMemo,
    Listing,
    Review,
}

/// An opaque layer covers the whole screen: nothing beneath it is drawn (the lock must not show
/// the directory behind it). An overlay is drawn over what lies beneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    Opaque,
    Overlay,
}

/// Where to go after an update.
pub enum Nav {
    /// This layer closes.
    Pop,
    /// A new layer on top of this one.
    Push(Box<dyn Layer>),
    /// This layer closes and another takes its place.
    Replace(Box<dyn Layer>),
    /// The program ends (every layer may ask for last work first, e.g. the draft saved).
    Quit,
}

/// What an update returns: effects for the runtime, where to go, and news for the layers
/// beneath (the filter panel's new filters for the search).
#[derive(Default)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub nav: Option<Nav>,
    pub post: Vec<Message>,
}

impl Outcome {
    pub fn none() -> Outcome {
        Outcome::default()
    }

    pub fn effect(effect: Effect) -> Outcome {
        Outcome::effects(vec![effect])
    }

    pub fn effects(effects: Vec<Effect>) -> Outcome {
        Outcome {
            effects,
            ..Outcome::default()
        }
    }

    pub fn nav(nav: Nav) -> Outcome {
        Outcome {
            nav: Some(nav),
            ..Outcome::default()
        }
    }

    pub fn and_nav(mut self, nav: Nav) -> Outcome {
        self.nav = Some(nav);
        self
    }

    pub fn and_post(mut self, message: Message) -> Outcome {
        self.post.push(message);
        self
    }
}

impl From<Vec<Effect>> for Outcome {
    fn from(effects: Vec<Effect>) -> Outcome {
        Outcome::effects(effects)
    }
}

/// A message a layer did not take goes on to the next one.
pub enum Received {
    Taken(Outcome),
    Passed(Message),
}

/// A screen: its own actions, state, keys and drawing.
pub trait Screen: 'static {
    type Action;
    const ID: ScreenId;
    const KIND: LayerKind;
    /// Keys typed here do not clear the status bar's passing message (the lock).
    const KEEPS_FLASH: bool = false;

    /// What a key press means here, resolved against the state (a key table per state); none
    /// for a key that does nothing here.
    fn action_for(&self, press: &Press, ctx: &Context) -> Option<Self::Action>;

    /// Changes the state for one action; no I/O.
    fn update(&mut self, action: Self::Action, ctx: &mut Context) -> Outcome;

    /// What a paste means here (bracketed paste: one event for the whole text).
    fn paste(&self, _text: &str) -> Vec<Self::Action> {
        Vec::new()
    }

    /// Draws by reading only; returns where the caret is, for the IME. `focused`: this is the
    /// top layer (the one keys go to).
    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context, focused: bool)
        -> Option<Position>;

    /// A second passed (`ctx.now` is the time now).
    fn tick(&mut self, _ctx: &mut Context) -> Outcome {
        Outcome::none()
    }

    /// A background result; pass it on if it is not for this screen.
    fn receive(&mut self, message: Message, _ctx: &mut Context) -> Received {
        Received::Passed(message)
    }

    /// The program is ending: last work to do (the composer's draft).
    fn closing(&mut self) -> Vec<Effect> {
        Vec::new()
    }
}

/// A screen as the app's stack holds it (object safe: the action type is the screen's own).
pub trait Layer {
    fn id(&self) -> ScreenId;
    fn kind(&self) -> LayerKind;
    /// The key's outcome, or none when the key means nothing here.
    fn key(&mut self, press: &Press, ctx: &mut Context) -> Option<Outcome>;
    fn paste(&mut self, text: &str, ctx: &mut Context) -> Option<Outcome>;
    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context, focused: bool)
        -> Option<Position>;
    fn tick(&mut self, ctx: &mut Context) -> Outcome;
    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received;
    fn closing(&mut self) -> Vec<Effect>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<S: Screen> Layer for S {
    fn id(&self) -> ScreenId {
        S::ID
    }

    fn kind(&self) -> LayerKind {
        S::KIND
    }

    fn key(&mut self, press: &Press, ctx: &mut Context) -> Option<Outcome> {
        let action = self.action_for(press, ctx)?;
        ctx.input_seen(S::KEEPS_FLASH);
        Some(self.update(action, ctx))
    }

    fn paste(&mut self, text: &str, ctx: &mut Context) -> Option<Outcome> {
        let actions = Screen::paste(self, text);
        if actions.is_empty() {
            return None;
        }
        let mut all = Outcome::none();
        for action in actions {
            ctx.input_seen(S::KEEPS_FLASH);
            let outcome = self.update(action, ctx);
            all.effects.extend(outcome.effects);
            all.post.extend(outcome.post);
            if outcome.nav.is_some() {
                // A paste that leaves the screen ends there.
                all.nav = outcome.nav;
                break;
            }
        }
        Some(all)
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        focused: bool,
    ) -> Option<Position> {
        Screen::draw(self, frame, area, ctx, focused)
    }

    fn tick(&mut self, ctx: &mut Context) -> Outcome {
        Screen::tick(self, ctx)
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        Screen::receive(self, message, ctx)
    }

    fn closing(&mut self) -> Vec<Effect> {
        Screen::closing(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
