//! Reading the trigger lexicon (`lexicons/context.tsv`): data, not code, so
//! that rules can be reviewed and changed without touching the engine.

use crate::examples::{Example, Examples};
use crate::{Axis, Banner, Direction, LexiconError, Role, SectionKind};

/// One lexicon line: the phrase (lowercase, single-spaced), what it does,
/// and where it is and its example sentence, for the test of examples.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) phrase: String,
    pub(crate) role: Role,
    pub(crate) line: usize,
    pub(crate) example: Option<Example>,
}

/// Parses the whole lexicon; comments (`#`) and blank lines are skipped,
/// but an `#example:` comment sets the example of the lines after it.
pub(crate) fn parse(tsv: &str) -> Result<Vec<Entry>, LexiconError> {
    let mut entries = Vec::new();
    let mut examples = Examples::default();
    for (index, line) in tsv.lines().enumerate() {
        let line = line.trim_end();
        if line.starts_with('#') {
            examples.comment(line);
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let error =
            |message: &str| LexiconError::Line { line: index + 1, message: message.to_string() };
        let mut fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let first = fields[0];
        let example = examples.of_row(&mut fields, first);
        let (phrase, role) = parse_fields(&fields).map_err(error)?;
        entries.push(Entry { phrase, role, line: index + 1, example });
    }
    if entries.is_empty() {
        return Err(LexiconError::Build("no entries".to_string()));
    }
    Ok(entries)
}

/// The phrase and role of a line's fields (its example taken off).
fn parse_fields(fields: &[&str]) -> Result<(String, Role), &'static str> {
    if !(3..=4).contains(&fields.len()) {
        return Err("expected phrase<TAB>what<TAB>role[<TAB>default axis]");
    }
    let phrase = fields[0].split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    if phrase.is_empty() {
        return Err("empty phrase");
    }
    let role = match fields[2] {
        "terminate" => Role::Terminate(match fields[1] {
            "all" => None,
            axis => Some(parse_axis(axis)?),
        }),
        "pseudo" => Role::Pseudo,
        "heading" => Role::Heading(
            parse_section(fields[1])?,
            fields.get(3).map(|axis| parse_axis(axis)).transpose()?,
        ),
        "banner" => Role::Banner(parse_banner(fields[1])?),
        "clause" => Role::Clause { subordinate: fields[1] == "subordinate" },
        "organization" => Role::Organization(parse_direction(fields[1])?),
        direction => Role::Trigger(parse_axis(fields[1])?, parse_direction(direction)?),
    };
    if fields.len() == 4 && !matches!(role, Role::Heading(..)) {
        return Err("only heading lines take a default axis");
    }
    Ok((phrase.to_ascii_lowercase(), role))
}

fn parse_axis(name: &str) -> Result<Axis, &'static str> {
    Axis::from_name(name).ok_or("unknown axis")
}

fn parse_direction(name: &str) -> Result<Direction, &'static str> {
    match name {
        "forward" => Ok(Direction::Forward),
        "backward" => Ok(Direction::Backward),
        "both" => Ok(Direction::Both),
        _ => Err(
            "unknown role (forward, backward, both, terminate, pseudo, heading, banner, clause, organization)",
        ),
    }
}

fn parse_banner(name: &str) -> Result<Banner, &'static str> {
    [Banner::Copied, Banner::End, Banner::Current, Banner::Visit]
        .into_iter()
        .find(|banner| banner.name() == name)
        .ok_or("unknown banner (copied, end, current, visit)")
}

fn parse_section(name: &str) -> Result<SectionKind, &'static str> {
    SectionKind::from_name(name).ok_or("unknown section kind")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_role() {
        let entries = parse(
            "# comment\nno\tnegated\tforward\nbut\tall\tterminate\nnow\thistorical\tterminate\n\
             no increase\t-\tpseudo\nfamily  history\tfamily_history\theading\tfamily\n\
             copied from\tcopied\tbanner\n",
        )
        .unwrap();
        assert_eq!(entries.len(), 6);
        assert_eq!(entries[5].role, Role::Banner(Banner::Copied));
        assert_eq!(entries[0].role, Role::Trigger(Axis::Negated, Direction::Forward));
        assert_eq!(entries[1].role, Role::Terminate(None));
        assert_eq!(entries[2].role, Role::Terminate(Some(Axis::Historical)));
        assert_eq!(entries[3].role, Role::Pseudo);
        assert_eq!(entries[4].phrase, "family history");
        assert_eq!(entries[4].role, Role::Heading(SectionKind::FamilyHistory, Some(Axis::Family)));
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse("no\tnegated\tforward\nnot\tnegated\tsideways\n").unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
        assert!(parse("no\tnegatd\tforward\n").is_err());
        assert!(parse("no\tnegated\tforward\thistorical\n").is_err());
        assert!(parse("# only a comment\n").is_err());
        assert!(parse("copied from\tcopy\tbanner\n").is_err());
    }
}
