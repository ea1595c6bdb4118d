//! The slip composer (`c` on a doctor; DESIGN §6, issue 5): a five-step wizard that asks in
//! the guide's order — to whom and how (§1, §4-2, §4-3), whether it is urgent *before* anything
//! else (§4-6), whether this is a first contact and for what (§4-1, §5), who the patient is
//! without naming them (§4-5), the body with personal information found as it is typed (§4-5),
//! and a last look at every rule before exporting (§8).
//!
//! State and its changes only (STYLE): the runtime saves drafts and writes exports when
//! `update` asks for it.

use super::fields::{parse_age, step_through, Field, Step};
use crate::client::config::SenderDefaults;
use crate::directory::{ContactMethod, Lookup, Organization, Person};
use crate::slip::dates;
use crate::slip::detect::{detect, DetectOptions, PersonalInfoFinding};
use crate::slip::model::{Channel, Patient, Purpose, Recipient, Request, Sender, Sex, Slip};
use crate::slip::rules::{check, RuleContext, Severity, Violation};
use crate::slip::sent_log::ExportFormat;
use crate::tui::text;
use crate::tui::widgets::text_field::TextField;
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// What the rules and the detector say about the slip as it stands.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// In the body, with char offsets for highlighting.
    pub findings: Vec<PersonalInfoFinding>,
    pub violations: Vec<Violation>,
}

impl Checks {
    pub fn errors(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
            .count()
    }
}

pub struct Composer {
    pub id: String,
    pub step: Step,
    /// Index into `step.fields()`.
    pub focus: usize,
    pub date: NaiveDate,
    /// Today, from the clock at the last refresh: dates before it are refused.
    pub today: NaiveDate,
    pub to: Recipient,
    /// The recipient's preferred methods, in order (from the directory).
    pub preferred: Vec<ContactMethod>,
    pub channel: Channel,
    pub office: TextField,
    pub sender_name: TextField,
    pub sender_phone: TextField,
    pub sender_fax: TextField,
    /// Not yet answered until the member says (seed §4-6 comes first).
    pub urgent: Option<bool>,
    pub first_contact: Option<bool>,
    pub purpose: Purpose,
    pub consent: bool,
    /// Typed only to check for leaks: never in the slip, so never on disk (DESIGN §6.3).
    pub real_name: TextField,
    /// Its reading (きむら まさお), for the name written in kana or romaji. Memory only too.
    pub real_name_kana: TextField,
    pub told_by_phone: bool,
    pub masked_name: TextField,
    pub age: TextField,
    pub sex: Sex,
    pub area: TextField,
    pub body: TextField,
    pub slots: [TextField; 3],
    pub reply_by: TextField,
    /// Lines scrolled in the review's preview (↑↓).
    pub review_scroll: u16,
    /// Width of the body box when last drawn, for moving the caret up and down.
    pub body_width: u16,
    pub checks: Checks,
    /// Why the wizard did not go on, or why an export was refused.
    pub problem: Option<String>,
    /// What was just done (an export and where it went).
    pub notice: Option<String>,
    /// Changed since the last save.
    pub dirty: bool,
    pub saved_at: Option<NaiveDateTime>,
    /// What was exported last in this session (to record with the send).
    pub last_export: Option<(ExportFormat, std::path::PathBuf)>,
}

impl Composer {
    /// A new slip to a person in the directory; numbers are the person's own, else the
    /// organisation's.
    pub fn new(
        person: &Person,
        org: Option<&Organization>,
        sender: &SenderDefaults,
        now: NaiveDateTime,
    ) -> Composer {
        let numbers = person.numbers(org);
        let to = Recipient {
            person_id: Some(person.id.to_string()),
            doctor: person.name.to_string(),
            institution: org.map(|o| o.name.to_string()).unwrap_or_default(),
            fax: numbers.fax.map(str::to_string),
            email: numbers.email.map(str::to_string),
            phone: numbers.phone.map(str::to_string),
        };
        let preferred = person.contact.preferred_methods.clone();
        // The doctor's first preferred method that has a number (seed §1).
        let channel = preferred
            .iter()
            .map(|m| channel_for(*m))
            .find(|c| number_for(&to, *c).is_some())
            .unwrap_or(Channel::Fax);
        let date = now.date();
        let blank = Slip {
            date,
            channel,
            first_contact: false,
            purpose: Purpose::AccompaniedVisit,
            urgent: false,
            consent_obtained: false,
            to,
            from: Sender {
                name: sender.name.clone(),
                office: sender.office.clone(),
                phone: sender.phone.clone(),
                fax: Some(sender.fax.clone()),
            },
            patient: Patient {
                masked_name: None,
                name_told_by_phone: false,
                age: None,
                sex: Sex::Unstated,
                area: None,
            },
            request: Request {
                body: String::new(),
                proposed_slots: Vec::new(),
                reply_by: Some(date + chrono::Days::new(7)),
            },
        };
        let id = crate::slip::drafts::new_draft_id(now, Some(&person.id));
        let mut composer = Composer::from_slip(&id, &blank, preferred);
        // Asked, not assumed: the urgency and first-contact questions start unanswered.
        composer.urgent = None;
        composer.first_contact = None;
        composer.focus_first_empty_sender();
        composer
    }

    /// A saved draft, opened again at the first step that still needs something: the sender,
    /// else the urgency question.
    ///
    /// The urgency question is asked again (seed §4-6): the slip file cannot tell it unanswered
    /// from 「いいえ」, and a matter left overnight may have become urgent. The first-contact
    /// answer stays as saved, in view just below it.
    pub fn from_draft(id: &str, slip: &Slip, directory: Option<&dyn Lookup>) -> Composer {
        let preferred = slip
            .to
            .person_id
            .as_deref()
            .and_then(|id| directory?.person(id))
            .map(|p| p.contact.preferred_methods.clone())
            .unwrap_or_default();
        let mut composer = Composer::from_slip(id, slip, preferred);
        composer.urgent = None;
        if composer.written() {
            // The real name was never saved: the leak check needs it again (seed §4-5).
            composer.notice = Some(text::RESUMED_ASK_NAME.to_string());
        }
        let unfinished = Step::ALL
            .into_iter()
            .find(|step| composer.blocker(*step).is_some())
            .unwrap_or(Step::Review);
        composer.go_to(unfinished);
        composer
    }

    fn from_slip(id: &str, slip: &Slip, preferred: Vec<ContactMethod>) -> Composer {
        let opt = |v: &Option<String>| TextField::new(v.as_deref().unwrap_or(""));
        let mut slots: [TextField; 3] = Default::default();
        for (field, slot) in slots.iter_mut().zip(&slip.request.proposed_slots) {
            *field = TextField::new(slot);
        }
        Composer {
            id: id.to_string(),
            step: Step::Recipient,
            focus: 0,
            date: slip.date,
            today: slip.date,
            to: slip.to.clone(),
            preferred,
            channel: slip.channel,
            office: TextField::new(&slip.from.office),
            sender_name: TextField::new(&slip.from.name),
            sender_phone: TextField::new(&slip.from.phone),
            sender_fax: opt(&slip.from.fax),
            urgent: Some(slip.urgent),
            first_contact: Some(slip.first_contact),
            purpose: slip.purpose,
            consent: slip.consent_obtained,
            real_name: TextField::default(),
            real_name_kana: TextField::default(),
            told_by_phone: slip.patient.name_told_by_phone,
            masked_name: opt(&slip.patient.masked_name),
            age: TextField::new(&slip.patient.age.map(|a| a.to_string()).unwrap_or_default()),
            sex: slip.patient.sex,
            area: opt(&slip.patient.area),
            body: TextField::new(&slip.request.body),
            slots,
            reply_by: TextField::new(
                &slip
                    .request
                    .reply_by
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            review_scroll: 0,
            body_width: 60,
            checks: Checks::default(),
            problem: None,
            notice: None,
            // Nothing worth keeping until the member changes something.
            dirty: false,
            saved_at: None,
            last_export: None,
        }
    }

    fn focus_first_empty_sender(&mut self) {
        let empty = [&self.office, &self.sender_name, &self.sender_phone]
            .iter()
            .position(|f| f.trimmed().is_empty());
        // Channel first when the sender is known; else the first blank sender field.
        self.focus = empty.map_or(0, |i| i + 1);
    }

    pub fn field(&self) -> Option<Field> {
        self.step.fields().get(self.focus).copied()
    }

    pub fn text(&self, field: Field) -> Option<&TextField> {
        use Field::*;
        Some(match field {
            Office => &self.office,
            SenderName => &self.sender_name,
            SenderPhone => &self.sender_phone,
            SenderFax => &self.sender_fax,
            RealName => &self.real_name,
            RealNameKana => &self.real_name_kana,
            MaskedName => &self.masked_name,
            Age => &self.age,
            Area => &self.area,
            Body => &self.body,
            Slot1 => &self.slots[0],
            Slot2 => &self.slots[1],
            Slot3 => &self.slots[2],
            ReplyBy => &self.reply_by,
            _ => return None,
        })
    }

    pub(super) fn text_mut(&mut self, field: Field) -> Option<&mut TextField> {
        use Field::*;
        Some(match field {
            Office => &mut self.office,
            SenderName => &mut self.sender_name,
            SenderPhone => &mut self.sender_phone,
            SenderFax => &mut self.sender_fax,
            RealName => &mut self.real_name,
            RealNameKana => &mut self.real_name_kana,
            MaskedName => &mut self.masked_name,
            Age => &mut self.age,
            Area => &mut self.area,
            Body => &mut self.body,
            Slot1 => &mut self.slots[0],
            Slot2 => &mut self.slots[1],
            Slot3 => &mut self.slots[2],
            ReplyBy => &mut self.reply_by,
            _ => return None,
        })
    }

    /// The value a choice field shows.
    pub fn choice_value(&self, field: Field) -> String {
        let yes_no = |v: Option<bool>| {
            match v {
                Some(true) => text::YES,
                Some(false) => text::NO,
                None => text::UNANSWERED,
            }
            .to_string()
        };
        match field {
            Field::Channel => self.channel.label().to_string(),
            Field::Urgent => yes_no(self.urgent),
            Field::FirstContact => yes_no(self.first_contact),
            Field::Purpose => format!("{} {}", self.purpose.number(), self.purpose.label()),
            Field::Consent => yes_no(Some(self.consent)),
            Field::ToldByPhone => yes_no(Some(self.told_by_phone)),
            Field::Sex => self.sex.label().unwrap_or(text::SEX_UNSTATED).to_string(),
            _ => String::new(),
        }
    }

    pub(super) fn choose(&mut self, field: Field, forward: bool) {
        let flip = |v: Option<bool>| Some(!v.unwrap_or(forward));
        match field {
            Field::Channel => {
                let all = [Channel::Fax, Channel::Email, Channel::Phone];
                self.channel = step_through(&all, self.channel, forward);
            }
            Field::Urgent => self.urgent = flip(self.urgent),
            Field::FirstContact => self.first_contact = flip(self.first_contact),
            Field::Purpose => self.purpose = step_through(&Purpose::ALL, self.purpose, forward),
            Field::Consent => self.consent = !self.consent,
            Field::ToldByPhone => self.told_by_phone = !self.told_by_phone,
            Field::Sex => {
                let all = [Sex::Female, Sex::Male, Sex::Other, Sex::Unstated];
                self.sex = step_through(&all, self.sex, forward);
            }
            _ => {}
        }
    }

    /// The slip as it stands (the draft, and what is exported). Never the real name.
    pub fn slip(&self) -> Slip {
        let optional = |f: &TextField| Some(f.trimmed().to_string()).filter(|v| !v.is_empty());
        Slip {
            date: self.date,
            channel: self.channel,
            first_contact: self.first_contact.unwrap_or(false),
            purpose: self.purpose,
            urgent: self.urgent.unwrap_or(false),
            consent_obtained: self.consent,
            to: self.to.clone(),
            from: Sender {
                name: self.sender_name.trimmed().to_string(),
                office: self.office.trimmed().to_string(),
                phone: self.sender_phone.trimmed().to_string(),
                fax: optional(&self.sender_fax),
            },
            patient: Patient {
                masked_name: optional(&self.masked_name),
                name_told_by_phone: self.told_by_phone,
                age: parse_age(self.age.trimmed()).ok().flatten(),
                sex: self.sex,
                area: optional(&self.area),
            },
            request: Request {
                body: self.body.value.trim_end().to_string(),
                // In the file's form when it reads as a date and time; as typed otherwise, so
                // nothing typed is lost from the draft.
                proposed_slots: self
                    .slots
                    .iter()
                    .filter_map(optional)
                    .map(|s| dates::parse_slot(&s, self.date).ok().flatten().unwrap_or(s))
                    .collect(),
                reply_by: dates::parse_any(self.reply_by.trimmed(), self.date)
                    .ok()
                    .flatten(),
            },
        }
    }

    /// The rules and the body's findings, again (after every change).
    pub fn refresh(&mut self, directory: Option<&dyn Lookup>, now: NaiveDateTime) {
        self.today = now.date();
        let slip = self.slip();
        let real_name = Some(self.real_name.trimmed()).filter(|n| !n.is_empty());
        let kana = Some(self.real_name_kana.trimmed()).filter(|n| !n.is_empty());
        let context = RuleContext {
            directory,
            patient_name: real_name,
            patient_kana: kana,
            now: Some(now),
        };
        let allowed = slip.own_numbers();
        let known = slip.known_names();
        let options = DetectOptions {
            patient_name: real_name,
            patient_kana: kana,
            mask: slip.patient.masked_name.as_deref(),
            known_names: &known,
            allowed_numbers: &allowed,
            current_year: now.year(),
        };
        self.checks = Checks {
            findings: detect(&self.body.value, &options),
            violations: check(&slip, &context),
        };
    }

    /// What stops the wizard from leaving this step, if anything.
    pub(super) fn blocker(&self, step: Step) -> Option<(Field, String)> {
        match step {
            Step::Recipient => {
                let missing = [
                    (Field::Office, &self.office),
                    (Field::SenderName, &self.sender_name),
                    (Field::SenderPhone, &self.sender_phone),
                ]
                .into_iter()
                .find(|(_, f)| f.trimmed().is_empty());
                if let Some((field, _)) = missing {
                    return Some((field, text::NEED_SENDER.to_string()));
                }
                if number_for(&self.to, self.channel).is_none() {
                    return Some((
                        Field::Channel,
                        format!("{}{}", self.channel.label(), text::NO_NUMBER_FOR_CHANNEL),
                    ));
                }
                None
            }
            Step::Purpose => match (self.urgent, self.first_contact) {
                (Some(true), _) => Some((Field::Urgent, text::URGENT_STOP.to_string())),
                (None, _) => Some((Field::Urgent, text::NEED_ANSWER.to_string())),
                (_, None) => Some((Field::FirstContact, text::NEED_ANSWER.to_string())),
                _ => None,
            },
            Step::Patient => {
                if let Some(missing) = self.name_check_blocker() {
                    return Some(missing);
                }
                parse_age(self.age.trimmed())
                    .err()
                    .map(|e| (Field::Age, e.to_string()))
            }
            Step::Body => {
                if self.body.trimmed().is_empty() {
                    return Some((Field::Body, text::NEED_BODY.to_string()));
                }
                let today = self.date.max(self.today);
                for (field, slot) in [Field::Slot1, Field::Slot2, Field::Slot3]
                    .into_iter()
                    .zip(&self.slots)
                {
                    if let Err(e) = dates::parse_slot(slot.trimmed(), today) {
                        return Some((field, e));
                    }
                }
                dates::parse_future(self.reply_by.trimmed(), today)
                    .err()
                    .map(|e| (Field::ReplyBy, e))
            }
            Step::Review => None,
        }
    }

    /// A FAX or email slip: the name rules (R6, R7) apply to it.
    pub fn written(&self) -> bool {
        self.channel != Channel::Phone
    }

    /// For a FAX or email slip, the leak check needs the real name typed in this session, and
    /// its reading when it is written in kanji (seed §4-5): after a crash or on a draft picked
    /// up again it is asked for again, since it is never saved.
    pub fn name_check_missing(&self) -> Option<String> {
        self.name_check_blocker().map(|(_, why)| why)
    }

    pub(super) fn name_check_blocker(&self) -> Option<(Field, String)> {
        if !self.written() {
            return None;
        }
        let name = self.real_name.trimmed();
        if name.is_empty() {
            return Some((Field::RealName, text::NEED_REAL_NAME.to_string()));
        }
        let all_kana = name.chars().all(|c| {
            c.is_whitespace()
                || c == '　'
                || matches!(c, '\u{3041}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}')
        });
        if !all_kana && self.real_name_kana.trimmed().is_empty() {
            return Some((Field::RealNameKana, text::NEED_REAL_NAME_KANA.to_string()));
        }
        None
    }
}

pub fn channel_for(method: ContactMethod) -> Channel {
    match method {
        ContactMethod::Fax => Channel::Fax,
        ContactMethod::Email => Channel::Email,
        ContactMethod::Phone => Channel::Phone,
    }
}

/// The recipient's number or address for a channel.
pub fn number_for(to: &Recipient, channel: Channel) -> Option<&str> {
    match channel {
        Channel::Fax => to.fax.as_deref(),
        Channel::Email => to.email.as_deref(),
        Channel::Phone => to.phone.as_deref(),
    }
}
