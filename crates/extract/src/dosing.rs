//! The requested drug's regimen: loading dose, maintenance dose, interval,
//! read in a window after the drug's name or after a "Dosing:" label.

use crate::values::ocr_repaired;
use necessity_record::{Dosing, Span};
use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;

/// How far after the drug name or label a regimen is read.
const WINDOW: usize = 220;
/// How far past the window a sentence it cuts is read to its end ("...,
/// then 1 pen (300 mg) SC every 14 days."): a regimen is one sentence.
const SENTENCE_TAIL: usize = 60;
/// How close a "loading" or "maintenance" word labels an amount.
const LABEL_REACH: usize = 24;

/// The compiled window patterns of dosing.
#[derive(Clone, Debug)]
pub struct DosingPatterns {
    amount: Regex,
    /// A number without "mg" right before an interval ("300 q2w").
    bare_amount: Regex,
    /// A loading and a maintenance dose written as a pair before the
    /// interval ("600/300 q2w", "400 mg/200 mg every 2 weeks").
    pair: Regex,
    /// What follows a pen or syringe strength rather than a dose.
    unit_after: Regex,
    /// What precedes the per-injection amount of a dose ("two 150 mg").
    count_before: Regex,
    /// What follows the amounts of a first dose given now ("two 300 mg pens
    /// were given in clinic today").
    given_after: Regex,
    interval: Regex,
    loading_before: Regex,
    loading_after: Regex,
    maintenance_before: Regex,
    then: Regex,
    /// A row of the label's dosing table, by weight band ("- 15 to <30 kg:
    /// 600 mg load, then 300 mg q4w"): the label quoted, not the order.
    band_row: Regex,
}

/// A regimen's interval, every two weeks (group 1), every four (group 2)
/// or every week (group 3): one grammar, read by the dosing and by the
/// count of doses a course has had ("completed 24 injections ... every
/// other week"); [`interval_weeks`] reads its match.
pub(crate) const INTERVAL: &str = r"\b(?:
        ( q\s*2\s*w(?:ee)?k?s?                     # every two weeks, captured
        | every\s+(?:other|2|two)\s+w(?:ee)?ks?       # 'every 2 wks'
        | biweekly
        | fortnightly | every\s+fortnight           # the British fortnight
        | (?:every|q)\s*(?:14|fourteen)\s*d(?:ays?)? )
      | ( q\s*4\s*w(?:ee)?k?s?                     # every four weeks, captured
        | every\s+(?:4|four)\s+w(?:ee)?ks
        | monthly
        | every\s+month
        | once\s+a\s+month
        | (?:every|q)\s*(?:28|twenty-eight)\s*d(?:ays?)? )
      | ( every\s+week | weekly | once\s+a\s+week      # every week, captured
        | q\s*1?\s*wk? | (?:every|q)\s*(?:7|seven)\s*d(?:ays?)? )
      )\b";

/// The weeks between doses an [`INTERVAL`] match says.
pub(crate) fn interval_weeks(interval: &regex::Captures) -> f64 {
    match (interval.get(1), interval.get(2)) {
        (Some(_), _) => 2.0,
        (_, Some(_)) => 4.0,
        _ => 1.0,
    }
}

impl DosingPatterns {
    /// Compiles the window patterns; they are fixed, so a failure is a bug
    /// caught by every test.
    pub fn new() -> Result<DosingPatterns, regex::Error> {
        let ci = crate::case_insensitive;
        // The route between a dose and its interval: "300 mg SC q2w".
        let route = r"(?:SC\s+|subq\s+|sq\s+)?";
        Ok(DosingPatterns {
            amount: ci(r"\b(\d{2,4}) \s*(?:mg|milligrams?)\b   # '600 mg'")?,
            bare_amount: ci(&format!(
                r"\b(\d{{2,4}})\s+                   # a number without a unit
                  {route}
                  (?:q\s*[24]\s*w|every\b)           # right before an interval"
            ))?,
            pair: ci(&format!(
                r"\b(\d{{2,4}})\s*(?:mg\s*)?          # the loading dose
                  /\s*(\d{{2,4}})\s*(?:mg\b\s*)?     # '/' the maintenance dose
                  {route}
                  (?:q\s*[24]\s*w|every\b|biweekly\b|q\s*(?:14|28)\s*d)   # before the interval"
            ))?,
            unit_after: ci(r"^ \s*(?:/                           # '300 mg/2 mL'
                      |per\s+m[lL]
                      |injections?\b|syringes?\b|pens?\b|prefilled\b)   # a device's strength")?,
            count_before: ci(
                r"\b(two|three|four|2|3|4) \s*(?:x\s*)?$   # 'two 150 mg', the count captured",
            )?,
            given_after: ci(
                r"^ \s*(?:\(?[a-z]+\)?\s+)?               # a device ('pens', 'injections')
                  (?:(?:were|was|are|is)\s+)?                     # a verb's auxiliary
                  (?:given|administered|injected)\b              # given now",
            )?,
            interval: ci(INTERVAL)?,
            loading_before: ci(
                r"\b(?:loading|load|initial|induction)(?:\s+dose)?   # 'loading dose'
                  \s*(?:of|:|=|-)?\s*$                # right before the amount",
            )?,
            loading_after: ci(&format!(
                r"^ \s*(?:{route}|subcutaneously\s+)? # a route
                  (?:loading|load|initial|induction|x\s*1\b|once\b|on\s+day\s+1
                  |(?:given|administered)\s+(?:today|in\s+(?:the\s+)?(?:clinic|office)))   # then 'load', or given today"
            ))?,
            maintenance_before: ci(
                r"\bmaintenance(?:\s+dose)? \s*(?:of|:|=|-)?\s*$   # 'maintenance dose:'",
            )?,
            then: ci(r"\b(?:then|followed\s+by|thereafter|after\s+which)\b   # the next dose")?,
            band_row: ci(r"(?m)^ [\x20\t]* [-*•]? [\x20\t]*          # a bullet
                  (?: [<>≥≤]=? \s* \d+(?:\.\d+)?                 # '<30', '>=60'
                    | \d+(?:\.\d+)? \s* (?:to|-|–) \s* [<>≥≤]?=? \s* \d+(?:\.\d+)? )  # '15 to <30'
                  \s* kg \b [^:\n]{0,12} :                     # the band's unit and colon")?,
        })
    }
}

/// How much of a regimen was read, to prefer the fullest statement.
pub fn dosing_detail(dosing: &Dosing) -> usize {
    [dosing.loading_mg, dosing.maintenance_mg, dosing.interval_weeks].iter().flatten().count()
}

/// The text after `from`, up to the window's width, the next paragraph or
/// the next drug name (`drug_starts`), on a character boundary, with OCR
/// misreadings of digits repaired ("3OO mg"; offsets are unchanged).
fn window<'t>(text: &'t str, from: usize, drug_starts: &[usize], width: usize) -> Cow<'t, str> {
    necessity_context::steps::add(width + SENTENCE_TAIL);
    let mut stop = sentence_end_after(text, (from + width).min(text.len()));
    // The drug starts are in order: the next one is found by binary search.
    if let Some(next) = drug_starts.get(drug_starts.partition_point(|&s| s <= from)) {
        stop = stop.min(*next);
    }
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let window = &text[from..stop];
    ocr_repaired(window.find("\n\n").map_or(window, |i| &window[..i]))
}

/// The window after `from` with each row of a weight-band dosing table
/// blanked out (offsets kept): quoting the label orders nothing. The window
/// reaches as far past the rows as it would without them.
fn without_band_rows<'t>(
    patterns: &DosingPatterns,
    text: &'t str,
    from: usize,
    drug_starts: &[usize],
) -> Cow<'t, str> {
    let rows_in = |window: &str| -> Vec<Range<usize>> {
        let line_end = |at: usize| window[at..].find('\n').map_or(window.len(), |i| at + i);
        patterns.band_row.find_iter(window).map(|m| m.start()..line_end(m.start())).collect()
    };
    let first = window(text, from, drug_starts, WINDOW);
    let rows = rows_in(&first);
    if rows.is_empty() {
        return first;
    }
    let skipped: usize = rows.iter().map(|r| r.len()).sum();
    let window = window(text, from, drug_starts, WINDOW + skipped);
    let rows = rows_in(&window);
    let mut blanked = window.into_owned().into_bytes();
    for row in rows {
        for b in &mut blanked[row] {
            *b = b' ';
        }
    }
    // Only whole rows, each ending at a line break or the end, were blanked.
    Cow::Owned(String::from_utf8(blanked).unwrap_or_default())
}

/// Where the sentence that `at` cuts ends, when it ends within
/// [`SENTENCE_TAIL`] bytes (a full stop before white space, a blank line
/// or the end of the text); else `at`.
fn sentence_end_after(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let end = (at + SENTENCE_TAIL).min(bytes.len());
    let tail = &bytes[at.min(end)..end];
    let stop = tail
        .windows(2)
        .position(|pair| matches!(pair, [b'.', b' ' | b'\n' | b'\r' | b'\t'] | [b'\n', b'\n']));
    match stop {
        Some(i) => at + i + 1,
        None if end == bytes.len() => end,
        None => at,
    }
}

/// The doses written in a window: "600 mg", and "300" right before an
/// interval; not pen strengths ("300 mg/2 mL") or the per-injection amount
/// of a dose ("two 150 mg injections").
fn amounts(patterns: &DosingPatterns, window: &str) -> Vec<(Range<usize>, f64)> {
    let with_unit = patterns.amount.captures_iter(window).filter_map(|c| {
        let (number, whole) = (c.get(1)?, c.get(0)?);
        Some((number.start(), whole.end(), number.as_str()))
    });
    let bare = patterns.bare_amount.captures_iter(window).filter_map(|c| {
        let number = c.get(1)?;
        Some((number.start(), number.end(), number.as_str()))
    });
    let mut found: Vec<(Range<usize>, f64)> = with_unit
        .chain(bare)
        .filter(|&(start, end, _)| {
            !patterns.unit_after.is_match(&window[end..])
                && !patterns.count_before.is_match(&window[..start])
        })
        .filter_map(|(start, end, number)| Some((start..end, number.parse().ok()?)))
        .collect();
    found.sort_by_key(|(r, _)| r.start);
    found.dedup_by_key(|(r, _)| r.start);
    found
}

/// A dose read in a window, and where.
type Amount = (Range<usize>, f64);

/// A loading and a maintenance dose written as a pair right before the
/// interval ("600/300 q2w"): the first is the larger (a loading dose is
/// never below the maintenance dose), which keeps a ratio or a pen strength
/// out.
fn loading_pair(patterns: &DosingPatterns, window: &str) -> Option<(Amount, Amount)> {
    let c = patterns.pair.captures(window)?;
    let (first, second) = (c.get(1)?, c.get(2)?);
    let (load, keep): (f64, f64) = (first.as_str().parse().ok()?, second.as_str().parse().ok()?);
    (load >= keep).then(|| ((first.range(), load), (second.range(), keep)))
}

/// The first dose given now as a count of pens or injections of one
/// strength ("two 300 mg pens were given"): the count times the strength,
/// where the count and the strength stand.
fn given_now(patterns: &DosingPatterns, window: &str) -> Option<Amount> {
    patterns.amount.captures_iter(window).find_map(|c| {
        let (number, whole) = (c.get(1)?, c.get(0)?);
        let count = patterns.count_before.captures(&window[..number.start()])?.get(1)?;
        patterns.given_after.is_match(&window[whole.end()..]).then_some(())?;
        let per_dose: f64 = number.as_str().parse().ok()?;
        let times = match count.as_str().to_ascii_lowercase().as_str() {
            "two" | "2" => 2.0,
            "three" | "3" => 3.0,
            _ => 4.0,
        };
        Some((count.start()..whole.end(), times * per_dose))
    })
}

/// Reads a regimen after `from`: "600 mg then 300 mg every 2 weeks",
/// "Loading: 600 mg ... Maintenance: 300 mg every 2 weeks", "300 mg every
/// other week" (no loading dose).
pub fn read_dosing(
    patterns: &DosingPatterns,
    text: &str,
    from: usize,
    drug_starts: &[usize],
) -> Option<(Dosing, Span)> {
    let window = without_band_rows(patterns, text, from, drug_starts);
    let window = &*window;
    let pair = loading_pair(patterns, window);
    let mut amounts = amounts(patterns, window);
    if let Some((first, second)) = &pair {
        amounts.retain(|(r, _)| r.start != first.0.start && r.start != second.0.start);
        amounts.extend([first.clone(), second.clone()]);
        amounts.sort_by_key(|(r, _)| r.start);
    }
    let interval = patterns.interval.captures(window);
    if amounts.is_empty() && interval.is_none() && given_now(patterns, window).is_none() {
        return None;
    }
    let interval_weeks = interval.as_ref().map(interval_weeks);
    let interval_at = interval.as_ref().and_then(|c| c.get(0)).map(|m| m.range());
    let labelled = |label: &Regex, r: &Range<usize>| {
        let mut from = r.start.saturating_sub(LABEL_REACH);
        while !window.is_char_boundary(from) {
            from += 1;
        }
        label.is_match(&window[from..r.start])
    };
    let paired_loading = pair.as_ref().map(|(first, _)| &first.0);
    let loading = amounts
        .iter()
        .find(|(r, _)| {
            paired_loading == Some(r)
                || (paired_loading.is_none()
                    && (labelled(&patterns.loading_before, r)
                        || patterns.loading_after.is_match(&window[r.end..])))
        })
        .or_else(|| {
            let (first, second) = (amounts.first()?, amounts.get(1)?);
            patterns.then.is_match(&window[first.0.end..second.0.start]).then_some(first)
        });
    // A first dose told as the pens given now ("two 300 mg pens were given
    // in clinic today") is the loading dose when no other is written.
    let given = loading.is_none().then(|| given_now(patterns, window)).flatten();
    let maintenance = amounts
        .iter()
        .filter(|a| loading.is_none_or(|l| l.0 != a.0))
        .find(|(r, _)| labelled(&patterns.maintenance_before, r))
        .or_else(|| {
            // After the loading dose, or before the interval when the loading
            // dose is written after it ("200 mg every 2 weeks following an
            // initial 400 mg dose").
            let after_loading = |a: &&Amount| {
                loading.is_none_or(|l| {
                    l.0.start < a.0.start
                        || (l.0 != a.0
                            && interval_at.as_ref().is_some_and(|at| l.0.start > at.start))
                })
            };
            let mut candidates = amounts.iter().filter(after_loading);
            match &interval_at {
                Some(at) => candidates.rev().find(|(r, _)| r.end <= at.start),
                None => candidates.next_back(),
            }
        });
    let loading = loading.cloned().or(given);
    let dosing = Dosing {
        loading_mg: loading.as_ref().map(|(_, mg)| *mg),
        maintenance_mg: maintenance.map(|(_, mg)| *mg),
        interval_weeks,
        interval_days: None,
    };
    // The evidence is what the regimen was read from: its doses and its
    // interval, not another drug's dose later in the window ("3. Continue
    // fexofenadine 180 mg").
    let read: Vec<Range<usize>> = [loading.map(|(r, _)| r), maintenance.map(|(r, _)| r.clone())]
        .into_iter()
        .flatten()
        .chain(interval_at)
        .collect();
    let read =
        if read.is_empty() { amounts.iter().map(|(r, _)| r.clone()).collect() } else { read };
    let (start, end) = (read.iter().map(|r| r.start).min()?, read.iter().map(|r| r.end).max()?);
    Some((dosing, Span::of(text, from + start, from + end)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<f64>, Option<f64>, Option<f64>) {
        let patterns = DosingPatterns::new().unwrap();
        let (d, span) = read_dosing(&patterns, text, 0, &[]).unwrap();
        assert!(span.is_valid_in(text));
        (d.loading_mg, d.maintenance_mg, d.interval_weeks)
    }

    #[test]
    fn the_labels_weight_bands_quoted_order_nothing() {
        let checked = "dupilumab (Dupixent):\nDose check against weight (label, 6-17 y):\n\
                       \x20 - 15 to <30 kg: 600 mg load, then 300 mg q4w\n\
                       \x20 - 30 to <60 kg: 400 mg load (2 x 200 mg), then 200 mg q2w\n\
                       \x20 - >=60 kg: 600 mg load, then 300 mg q2w\n\
                       \x20 112 lb / 2.2046 = approx 50.8 kg -> 30 to <60 kg band.\n\
                       \x20 Ordered: 400 mg SC loading dose, then 200 mg SC every 2 weeks.\n";
        assert_eq!(read(checked), (Some(400.0), Some(200.0), Some(2.0)));
        // Counter-example: a weight before the order, with no colon, is no
        // band of a table.
        let weighed = "Dupixent: 42 kg today, so 400 mg once, then 200 mg every 2 weeks.";
        assert_eq!(read(weighed), (Some(400.0), Some(200.0), Some(2.0)));
    }

    #[test]
    fn regimens() {
        assert_eq!(
            read(" 600 mg then 300 mg every 2 weeks"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        assert_eq!(read(" 300 mg every other week"), (None, Some(300.0), Some(2.0)));
        assert_eq!(
            read(" 600 mg once, then 300 mg fortnightly"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        assert_eq!(read(" 600mg load then 300 q2w."), (Some(600.0), Some(300.0), Some(2.0)));
        assert_eq!(read(" 200 mg SC every 4 weeks"), (None, Some(200.0), Some(4.0)));
        let form = " 150 mg/mL syringe\n Loading: 600 mg (four 150 mg injections) on day 1\n \
                    Maintenance: 300 mg (two 150 mg injections) SC every 2 weeks";
        assert_eq!(read(form), (Some(600.0), Some(300.0), Some(2.0)));
        let pen = " 300 mg/2 mL\nDose: 600 mg loading, then 300 mg every 2 weeks";
        assert_eq!(read(pen), (Some(600.0), Some(300.0), Some(2.0)));
        let given = " 600 mg SC x1 then 300 mg SC q2w. First dose (two 300 mg injections).";
        assert_eq!(read(given), (Some(600.0), Some(300.0), Some(2.0)));
    }

    #[test]
    fn a_regimen_sentence_the_window_cuts_is_read_to_its_end() {
        let talk = "She chose this drug after we talked through the options at length, \
                    including its safety record in pregnancy and the eye side effects. ";
        let order = "Prior authorization sent for the 300 mg/2 mL pen: two pens (600 mg) \
                     under the skin on day 1, then one pen (300 mg) under the skin every 14 days.";
        let text = format!(" {talk}{order}");
        assert!(text.len() > WINDOW && text.find("every 14").unwrap() < WINDOW + SENTENCE_TAIL);
        assert_eq!(read(&text), (Some(600.0), Some(300.0), Some(2.0)));
        // The next sentence is not read past the window: its interval is
        // another matter's.
        let next = format!(" {talk}{talk}Seen again in 4 weeks. 300 mg every 4 weeks.");
        assert!(next.find("every 4").unwrap() > WINDOW);
        let found = read_dosing(&DosingPatterns::new().unwrap(), &next, 0, &[]);
        assert_eq!(found.map(|(d, _)| d.interval_weeks), None);
    }

    #[test]
    fn spelled_units_and_split_loading_dose() {
        // "milligrams" is mg; the per-injection amount of a split loading
        // dose is neither the loading nor the maintenance dose.
        let spelled = " with a 600 milligram loading dose as two 300 milligram injections, \
                       then 300 milligrams every other week";
        assert_eq!(read(spelled), (Some(600.0), Some(300.0), Some(2.0)));
        let pediatric = ": initial dose 400 milligrams, followed by 200 milligrams every 2 weeks";
        assert_eq!(read(pediatric), (Some(400.0), Some(200.0), Some(2.0)));
    }

    #[test]
    fn route_between_dose_and_load() {
        assert_eq!(
            read(" 600 mg SQ load then 300 mg SQ q2wk"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        assert_eq!(
            read(" 600 mg subq load, then 300 mg subq every 2 weeks"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        assert_eq!(
            read(" 600 mg SC x1 then 300 mg SC q2wk"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
    }

    #[test]
    fn once_and_a_weight_band_after_the_regimen() {
        assert_eq!(
            read(" 400 mg subcutaneously once, then 200 mg SC every 2 weeks; PA sent"),
            (Some(400.0), Some(200.0), Some(2.0))
        );
        // Read from after a generic name in brackets; the band is no dose.
        let text =
            "Dupixent (dupilumab) 600 mg loading dose, then 300 mg every 4 weeks (15 to <30 kg).";
        let patterns = DosingPatterns::new().unwrap();
        let from = text.find(')').unwrap() + 1;
        let (d, _) =
            read_dosing(&patterns, text, from, &[text.find("dupilumab").unwrap()]).unwrap();
        assert_eq!(
            (d.loading_mg, d.maintenance_mg, d.interval_weeks),
            (Some(600.0), Some(300.0), Some(4.0))
        );
    }

    #[test]
    fn intervals_written_in_days() {
        // An order line's "q14d" is every two weeks, "q28d" every four.
        assert_eq!(
            read(" 200mg/1.14mL pen: 400mg SC on day 1, then 200mg SC q14d"),
            (Some(400.0), Some(200.0), Some(2.0))
        );
        assert_eq!(read(" 300 mg SQ q 28 days"), (None, Some(300.0), Some(4.0)));
        assert_eq!(read(" 300 mg every fourteen days"), (None, Some(300.0), Some(2.0)));
        assert_eq!(read(" 300 mg every 28 days"), (None, Some(300.0), Some(4.0)));
        // A course of days is no interval.
        assert_eq!(read(" 20 mg daily for 14 days").2, None);
    }

    #[test]
    fn loading_and_maintenance_written_as_a_pair() {
        assert_eq!(read(" 400/200 every 2 weeks"), (Some(400.0), Some(200.0), Some(2.0)));
        assert_eq!(read(" 400/200 q2w; teach"), (Some(400.0), Some(200.0), Some(2.0)));
        assert_eq!(read(" 600 mg/300 mg SC q2wk."), (Some(600.0), Some(300.0), Some(2.0)));
        assert_eq!(read(" 600/300mg q4w"), (Some(600.0), Some(300.0), Some(4.0)));
        // A pen strength is no pair.
        assert_eq!(read(" 300 mg/2 mL pen, 300 mg every 2 weeks").0, None);
    }

    #[test]
    fn an_appeal_asks_for_the_regimen() {
        // The per-injection amount in brackets is neither dose.
        let appeal = " 600 mg subcutaneously once (two 300 mg injections), followed by \
                      300 mg every 2 weeks.";
        assert_eq!(read(appeal), (Some(600.0), Some(300.0), Some(2.0)));
    }

    #[test]
    fn a_regimen_written_in_another_order() {
        // The loading dose after the maintenance dose and its interval.
        assert_eq!(
            read(" 250 mg every 2 weeks following an initial 500 mg dose"),
            (Some(500.0), Some(250.0), Some(2.0))
        );
        // The loading dose given today, the maintenance dose at home.
        assert_eq!(
            read(" 600 mg given today; he will continue 300 mg every other week at home"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        // The interval on the next line of a form's directions.
        assert_eq!(
            read(": Inject 400 mg (two 200 mg pens) SC on day 1, then 200 mg SC\n   every 2 wks"),
            (Some(400.0), Some(200.0), Some(2.0))
        );
        // Pens counted as the first dose given now.
        assert_eq!(
            read("; two 300 mg pens were given in the office today, then 300 mg q2w at home"),
            (Some(600.0), Some(300.0), Some(2.0))
        );
        // ... but not the pens of a dose already written.
        assert_eq!(
            read(" 600 mg (two 300 mg pens) on day 1, then 300 mg every 4 wks"),
            (Some(600.0), Some(300.0), Some(4.0))
        );
        assert_eq!(read(" 300 mg every two wks"), (None, Some(300.0), Some(2.0)));
    }

    #[test]
    fn ocr_letter_o_in_doses() {
        assert_eq!(read(" 6OO mg x1, then 3OO mg q2wk"), (Some(600.0), Some(300.0), Some(2.0)));
        assert_eq!(read(" 2OO mg every 2 weeks"), (None, Some(200.0), Some(2.0)));
    }
}
