//! The wizard engine: a pure state machine over one catalogue service.
//!
//! The state *is* the [`Draft`] (what was typed, ticked and chosen, and where
//! the clerk is), so saving a wizard is saving its draft, and a draft reopens
//! exactly where it was left. No terminal, no store: the UI asks this module
//! what is valid, what is missing and what may happen next.

pub mod field;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::catalog::{Need, Service};
use crate::i18n::{fmt, tr, Lang};
use crate::rules::{self, Finding, RuleId, Severity};
use crate::store::{ChargedFee, Delivery, Draft, NewApplication};

pub use field::{Status, Valid};

/// The pages of every wizard, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// 填写信息: the service's fields.
    Fields,
    /// 核对材料: the materials checklist.
    Materials,
    /// 费用与交付: fee, payment method, delivery.
    Payment,
    /// 确认: everything once more, then finish.
    Review,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Fields, Step::Materials, Step::Payment, Step::Review];

    pub fn index(self) -> u8 {
        self as u8
    }

    pub fn from_index(i: u8) -> Step {
        Step::ALL.get(i as usize).copied().unwrap_or(Step::Fields)
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Step::Fields => "wizard.step.fields",
            Step::Materials => "wizard.step.materials",
            Step::Payment => "wizard.step.payment",
            Step::Review => "wizard.step.review",
        }
    }
}

/// Something that stops the wizard going on, with where to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub step: Step,
    /// The field or material index to focus on that step.
    pub focus: usize,
    pub message: String,
    /// A service to do first that removes this block (from the rule's
    /// finding, e.g. U1 for W1 without a 12123 account).
    pub offer: Option<&'static str>,
}

/// A material still to bring, as shown on the "what to bring" slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub zh: String,
    pub en: String,
}

impl Missing {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The fees charged for a service on `day`: every required item, plus
/// postage when the result is posted by EMS. (Other optional items are
/// shown in the guide but never charged here.)
pub fn charged_fees(service: &Service, day: NaiveDate, ems: bool) -> Vec<ChargedFee> {
    service
        .fees_on(day)
        .into_iter()
        .filter(|f| !f.optional || (ems && f.item == POSTAGE_ITEM))
        .map(|f| ChargedFee {
            item: f.item.clone(),
            zh: f.zh.clone(),
            en: f.en.clone(),
            fen: f.fen,
        })
        .collect()
}

/// The blocker to show first: one that offers a service to do first (it
/// explains the others, e.g. W1 without 12123), else the first in order.
pub fn first_blocker(blockers: Vec<Blocker>) -> Option<Blocker> {
    let i = blockers.iter().position(|b| b.offer.is_some()).unwrap_or(0);
    blockers.into_iter().nth(i)
}

/// The condition that makes conditional material `m` needed, as said to
/// the customer: the field's label and the value that triggers it
/// (`（因：所有人类型为单位）`, in English with a space before it). `None` when the material names no condition.
pub fn condition_text(
    service: &Service,
    m: &crate::catalog::Material,
    lang: Lang,
) -> Option<String> {
    let (key, value) = (m.when_field.as_deref()?, m.when_value.as_deref()?);
    let field = service.field(key)?;
    let label = match lang {
        Lang::Zh => &field.label_zh,
        Lang::En => &field.label_en,
    };
    let shown = field::display_value(field, value, lang);
    let text = fmt(
        lang,
        "wizard.need.because",
        &[("field", label), ("value", &shown)],
    );
    // Full-width brackets need no space before them; English ones do.
    Some(match lang {
        Lang::Zh => text,
        Lang::En => format!(" {text}"),
    })
}

/// Whether the service's result can be posted: the catalogue has a postage
/// item for it on `day`. One that cannot has nothing to deliver.
pub fn delivers(service: &Service, day: NaiveDate) -> bool {
    service.fees_on(day).iter().any(|f| f.item == POSTAGE_ITEM)
}

/// The delivery as the confirm step and the receipt say it: for a service
/// with nothing to deliver collected "at the branch", the catalogue's own
/// words for where the result goes (`处理结果在交管12123查询`).
pub fn delivery_text(service: &Service, delivery: &Delivery, day: NaiveDate, lang: Lang) -> String {
    let own = match lang {
        Lang::Zh => service.delivery_zh.as_deref(),
        Lang::En => service.delivery_en.as_deref(),
    };
    match (delivery, own) {
        (Delivery::Pickup, Some(text)) if !delivers(service, day) => text.to_string(),
        _ => crate::receipt::delivery_label(delivery, lang),
    }
}

/// One service's wizard, around its draft.
#[derive(Debug, Clone)]
pub struct Wizard {
    pub service: Service,
    pub draft: Draft,
}

/// The fee item charged only when the result is posted by EMS.
pub const POSTAGE_ITEM: &str = "postage";

impl Wizard {
    pub fn new(service: Service, draft: Draft) -> Wizard {
        let mut w = Wizard { service, draft };
        let n = w.focusable(w.step());
        if w.draft.focus as usize >= n.max(1) {
            w.draft.focus = 0;
        }
        w
    }

    pub fn step(&self) -> Step {
        Step::from_index(self.draft.step)
    }

    pub fn focus(&self) -> usize {
        self.draft.focus as usize
    }

    /// How many things can take the focus on a step.
    pub fn focusable(&self, step: Step) -> usize {
        match step {
            Step::Fields => self.service.fields.len(),
            Step::Materials => self.service.materials.len() + usize::from(self.takes_attachments()),
            // payment method, delivery, address
            Step::Payment => 3,
            Step::Review => 0,
        }
    }

    /// Whether the service takes photos or scans.
    pub fn takes_attachments(&self) -> bool {
        !self.service.attachments.is_empty()
    }

    /// The focus index of the attachment input on the materials step.
    pub fn attachment_focus(&self) -> Option<usize> {
        self.takes_attachments()
            .then_some(self.service.materials.len())
    }

    pub fn set_focus(&mut self, i: usize) {
        let n = self.focusable(self.step());
        self.draft.focus = if n == 0 { 0 } else { i.min(n - 1) } as u16;
    }

    /// The raw text of a field.
    pub fn raw(&self, key: &str) -> &str {
        self.draft.values.get(key).map(|s| s.as_str()).unwrap_or("")
    }

    /// Replaces a field's raw text (control characters removed, overlong
    /// text cut). Returns true when the text had to be cut.
    pub fn set_raw(&mut self, key: &str, text: &str) -> bool {
        let (clean, cut) = field::sanitize(text);
        if clean.is_empty() {
            self.draft.values.remove(key);
        } else {
            self.draft.values.insert(key.to_string(), clean);
        }
        cut
    }

    /// The status of field `i` as typed.
    pub fn status(&self, i: usize, today: NaiveDate, lang: Lang) -> Status {
        match self.service.fields.get(i) {
            Some(f) => field::validate(f, self.raw(&f.key), today, lang),
            None => Status::Empty,
        }
    }

    /// Normalised values of every valid field, keyed by field key.
    pub fn normalised(&self, today: NaiveDate) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for f in &self.service.fields {
            if let Status::Valid(v) = field::validate(f, self.raw(&f.key), today, Lang::Zh) {
                out.insert(f.key.clone(), v.value);
            }
        }
        out
    }

    /// What the service's rules say about the values so far.
    pub fn findings(&self, today: NaiveDate, lang: Lang) -> Vec<Finding> {
        let values = self.normalised(today);
        self.service
            .rules
            .iter()
            .filter_map(|r| RuleId::parse(r))
            .filter_map(|r| rules::evaluate(r, &values, today, lang))
            .collect()
    }

    /// The sentence of the first blocking finding among the rules that read
    /// field `i`, if any: such a field is not shown as valid (✓) even when
    /// its own check passes, since its value stops the service.
    pub fn field_blocked(&self, i: usize, today: NaiveDate, lang: Lang) -> Option<String> {
        let key = self.service.fields.get(i)?.key.as_str();
        self.findings(today, lang)
            .into_iter()
            .find(|f| f.severity == Severity::Block && f.concerns(key))
            .map(|f| f.message)
    }

    /// The values to carry into service `target` when the clerk does it
    /// first (an [`Blocker::offer`]): every raw field value whose key is also
    /// a field of `target` (name, ID number, phone...).
    pub fn carry_over(&self, target: &Service) -> BTreeMap<String, String> {
        target
            .fields
            .iter()
            .filter_map(|f| {
                let v = self.draft.values.get(&f.key)?;
                Some((f.key.clone(), v.clone()))
            })
            .collect()
    }

    /// Whether material `i` is needed given the values so far.
    pub fn material_needed(&self, i: usize, today: NaiveDate) -> bool {
        let Some(m) = self.service.materials.get(i) else {
            return false;
        };
        match m.need {
            Need::Required => true,
            Need::OneOf => true,
            Need::Optional => false,
            Need::Conditional => {
                let values = self.normalised(today);
                match (&m.when_field, &m.when_value) {
                    (Some(f), Some(v)) => values.get(f) == Some(v),
                    _ => false,
                }
            }
        }
    }

    /// Why material `i` is needed, once the condition that makes it so is
    /// met: `（因：所有人类型为单位）`. `None` for materials needed always, or
    /// not needed now.
    pub fn material_reason(&self, i: usize, today: NaiveDate, lang: Lang) -> Option<String> {
        let m = self.service.materials.get(i)?;
        if m.need != Need::Conditional || !self.material_needed(i, today) {
            return None;
        }
        condition_text(&self.service, m, lang)
    }

    pub fn ticked(&self, id: &str) -> bool {
        self.draft.materials.iter().any(|m| m == id)
    }

    pub fn toggle_material(&mut self, i: usize) {
        if let Some(m) = self.service.materials.get(i) {
            if let Some(pos) = self.draft.materials.iter().position(|x| *x == m.id) {
                self.draft.materials.remove(pos);
            } else {
                self.draft.materials.push(m.id.clone());
            }
        }
    }

    /// Materials still missing: each required or triggered one unticked, and
    /// each one-of group with none ticked (named "A / B").
    pub fn missing_materials(&self, today: NaiveDate) -> Vec<(usize, Missing)> {
        let mut out = Vec::new();
        let mut groups: Vec<&str> = Vec::new();
        for (i, m) in self.service.materials.iter().enumerate() {
            match m.need {
                Need::OneOf => {
                    let g = m.one_of.as_deref().unwrap_or(m.id.as_str());
                    if groups.contains(&g) {
                        continue;
                    }
                    groups.push(g);
                    let members: Vec<_> = self
                        .service
                        .materials
                        .iter()
                        .filter(|x| {
                            x.need == Need::OneOf
                                && x.one_of.as_deref().unwrap_or(x.id.as_str()) == g
                        })
                        .collect();
                    if !members.iter().any(|x| self.ticked(&x.id)) {
                        let zh: Vec<&str> = members.iter().map(|x| x.zh.as_str()).collect();
                        let en: Vec<&str> = members.iter().map(|x| x.en.as_str()).collect();
                        out.push((
                            i,
                            Missing {
                                zh: zh.join(tr(Lang::Zh, "ident.or")),
                                en: en.join(tr(Lang::En, "ident.or")),
                            },
                        ));
                    }
                }
                _ => {
                    if self.material_needed(i, today) && !self.ticked(&m.id) {
                        let why = |lang| self.material_reason(i, today, lang).unwrap_or_default();
                        out.push((
                            i,
                            Missing {
                                zh: format!("{}{}", m.zh, why(Lang::Zh)),
                                en: format!("{}{}", m.en, why(Lang::En)),
                            },
                        ));
                    }
                }
            }
        }
        out
    }

    /// The fee lines in force on `day` for the chosen delivery.
    pub fn fee_lines(&self, day: NaiveDate) -> Vec<ChargedFee> {
        charged_fees(
            &self.service,
            day,
            matches!(self.draft.delivery, Delivery::Ems { .. }),
        )
    }

    pub fn fee_total(&self, day: NaiveDate) -> u64 {
        self.fee_lines(day).iter().map(|f| f.fen).sum()
    }

    /// Everything that stops the clerk leaving `step` forwards (for the
    /// review step: everything that stops finishing).
    pub fn blockers(&self, step: Step, today: NaiveDate, lang: Lang) -> Vec<Blocker> {
        let mut out = Vec::new();
        if step >= Step::Fields {
            for (i, f) in self.service.fields.iter().enumerate() {
                let label = match lang {
                    Lang::Zh => &f.label_zh,
                    Lang::En => &f.label_en,
                };
                match field::validate(f, self.raw(&f.key), today, lang) {
                    Status::Empty if f.required => out.push(Blocker {
                        step: Step::Fields,
                        focus: i,
                        message: fmt(lang, "wizard.required", &[("field", label)]),
                        offer: None,
                    }),
                    Status::Invalid(why) => out.push(Blocker {
                        step: Step::Fields,
                        focus: i,
                        message: format!("{label}: {why}"),
                        offer: None,
                    }),
                    _ => {}
                }
            }
            for finding in self.findings(today, lang) {
                if finding.severity == Severity::Block {
                    let focus = finding
                        .field
                        .and_then(|k| self.service.fields.iter().position(|f| f.key == k))
                        .or_else(|| {
                            self.service
                                .fields
                                .iter()
                                .position(|f| finding.rule.reads().contains(&f.key.as_str()))
                        })
                        .unwrap_or(0);
                    out.push(Blocker {
                        step: Step::Fields,
                        focus,
                        message: finding.message,
                        offer: finding.offer,
                    });
                }
            }
        }
        if step >= Step::Materials {
            for (i, m) in self.missing_materials(today) {
                out.push(Blocker {
                    step: Step::Materials,
                    focus: i,
                    message: fmt(
                        lang,
                        "wizard.material_missing",
                        &[("material", &m.text(lang))],
                    ),
                    offer: None,
                });
            }
        }
        if step >= Step::Payment {
            if self.draft.payment.is_none() && self.fee_total(today) > 0 {
                out.push(Blocker {
                    step: Step::Payment,
                    focus: 0,
                    message: tr(lang, "wizard.payment_missing").to_string(),
                    offer: None,
                });
            }
            if let Delivery::Ems { address } = &self.draft.delivery {
                if address.trim().chars().count() < 5 {
                    out.push(Blocker {
                        step: Step::Payment,
                        focus: 2,
                        message: tr(lang, "wizard.address_missing").to_string(),
                        offer: None,
                    });
                }
            }
        }
        out
    }

    /// Goes to the next step, or says why not (and moves the focus there).
    pub fn next(&mut self, today: NaiveDate, lang: Lang) -> Result<Step, Blocker> {
        let step = self.step();
        if let Some(b) = first_blocker(self.blockers(step, today, lang)) {
            self.draft.step = b.step.index();
            self.set_focus(b.focus);
            return Err(b);
        }
        if step == Step::Review {
            return Ok(Step::Review);
        }
        let mut next = Step::from_index(step.index() + 1);
        while !self.shows(next, today) {
            next = Step::from_index(next.index() + 1);
        }
        self.draft.step = next.index();
        self.draft.focus = self.first_focus(next, today);
        Ok(next)
    }

    /// Goes back one step (over a step not asked, see [`Wizard::shows`]);
    /// false on the first.
    pub fn back(&mut self, today: NaiveDate) -> bool {
        let mut step = self.step();
        loop {
            if step == Step::Fields {
                return false;
            }
            step = Step::from_index(step.index() - 1);
            if self.shows(step, today) {
                break;
            }
        }
        self.draft.step = step.index();
        self.draft.focus = self.first_focus(step, today);
        true
    }

    /// Whether a payment method is asked: something is to be paid on `day`
    /// with the delivery chosen.
    pub fn asks_payment(&self, day: NaiveDate) -> bool {
        self.fee_total(day) > 0
    }

    /// Whether a delivery is asked: the catalogue has a postage item for the
    /// service on `day`, so its result can be posted. A service without one
    /// has nothing to deliver (an account opened on the spot, a fine paid).
    pub fn asks_delivery(&self, day: NaiveDate) -> bool {
        delivers(&self.service, day)
    }

    /// Whether `step` is shown: the fee and delivery step only when it asks
    /// something (a service with nothing to pay and nothing to deliver goes
    /// from the materials straight to the confirm step).
    pub fn shows(&self, step: Step, day: NaiveDate) -> bool {
        match step {
            Step::Payment => {
                self.asks_payment(day)
                    || self.asks_delivery(day)
                    || !matches!(self.draft.delivery, Delivery::Pickup)
            }
            _ => true,
        }
    }

    /// The steps shown, in order (for the step indicator).
    pub fn shown_steps(&self, day: NaiveDate) -> Vec<Step> {
        Step::ALL
            .into_iter()
            .filter(|s| self.shows(*s, day))
            .collect()
    }

    /// The focus indices that can be taken on `step` now: on the payment
    /// step the method (0) only when there is something to pay, the
    /// delivery (1) and address (2) only when there is something to deliver.
    pub fn focus_stops(&self, step: Step, day: NaiveDate) -> Vec<usize> {
        match step {
            Step::Payment => {
                let ems = matches!(self.draft.delivery, Delivery::Ems { .. });
                let mut out = vec![];
                if self.asks_payment(day) {
                    out.push(0);
                }
                if self.asks_delivery(day) || ems {
                    out.push(1);
                    out.push(2);
                }
                out
            }
            s => (0..self.focusable(s)).collect(),
        }
    }

    fn first_focus(&self, step: Step, day: NaiveDate) -> u16 {
        self.focus_stops(step, day).first().copied().unwrap_or(0) as u16
    }

    /// Moves the focus among [`Wizard::focus_stops`], wrapping.
    pub fn move_focus(&mut self, delta: isize, day: NaiveDate) {
        let stops = self.focus_stops(self.step(), day);
        if stops.is_empty() {
            return;
        }
        let n = stops.len() as isize;
        let at = stops.iter().position(|i| *i == self.focus()).unwrap_or(0) as isize;
        self.draft.focus = stops[(at + delta).rem_euclid(n) as usize] as u16;
    }

    /// The application to store, if nothing blocks finishing.
    pub fn finish(
        &self,
        now: DateTime<FixedOffset>,
        today: NaiveDate,
        lang: Lang,
        parked: bool,
    ) -> Result<NewApplication, Vec<Blocker>> {
        let blockers = self.blockers(Step::Review, today, lang);
        if !blockers.is_empty() {
            return Err(blockers);
        }
        Ok(NewApplication {
            id: self.draft.id.clone(),
            service: self.service.code.clone(),
            date: today,
            finished_at: now,
            clerk: self.draft.clerk.clone(),
            values: self.normalised(today),
            materials: self.draft.materials.clone(),
            fees: self.fee_lines(today),
            // Nothing to pay: no method is recorded (a free service is
            // not cash).
            payment: if self.fee_total(today) > 0 {
                self.draft.payment
            } else {
                None
            },
            delivery: self.draft.delivery.clone(),
            draft_number: parked.then(|| self.draft.number.clone()),
            generated: self.draft.generated,
            attachments: self.draft.attachments.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn wizard(code: &str) -> Wizard {
        let cat = Catalog::builtin().expect("catalogue");
        let service = cat.get(code).expect("service").clone();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").expect("time");
        Wizard::new(service, Draft::new("Z1".into(), code, "001", now))
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
    }

    #[test]
    fn the_fee_step_asks_only_what_the_fee_data_leaves_to_ask() {
        // Free and nothing to post (no postage item): no fee step at all.
        for code in ["U1", "W1", "D6"] {
            let w = wizard(code);
            assert!(!w.shows(Step::Payment, day()), "{code}");
            assert_eq!(w.shown_steps(day()).len(), 3, "{code}");
        }
        // Free but postable (V5, V8): the delivery only, until EMS costs.
        let mut w = wizard("V5");
        assert!(w.shows(Step::Payment, day()));
        assert_eq!(w.focus_stops(Step::Payment, day()), vec![1, 2]);
        w.draft.delivery = Delivery::Ems {
            address: String::new(),
        };
        assert_eq!(w.focus_stops(Step::Payment, day()), vec![0, 1, 2]);
        // Paid: everything.
        let w = wizard("D1");
        assert_eq!(w.focus_stops(Step::Payment, day()), vec![0, 1, 2]);
    }

    #[test]
    fn next_and_back_go_over_a_step_not_shown() {
        let mut w = wizard("U1");
        w.draft.step = Step::Review.index();
        assert!(w.back(day()));
        assert_eq!(w.step(), Step::Materials);
        let mut v5 = wizard("V5");
        v5.draft.step = Step::Review.index();
        assert!(v5.back(day()));
        assert_eq!(v5.step(), Step::Payment);
        assert_eq!(v5.focus(), 1, "focus on the delivery, not the method");
    }
}
