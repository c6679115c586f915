//! The attribute projection language of `pick` and `omit` (clause 4.21): names joined by the
//! or-operator (`,` or `|`), a name followed by `{…}` applying the enclosed projection to the
//! entities that relationship links to (linked entity retrieval, clause 4.5.23). Anything else
//! — an empty member, an unknown character, an unbalanced brace — is an error the caller
//! reports as BadRequestData.

use crate::domain::join::MAX_JOIN_LEVEL;

/// One member of a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub name: String,
    /// `name{…}`: the projection of the linked entities; `None` without braces.
    pub linked: Option<Vec<Term>>,
}

/// Parses a whole `pick`/`omit` value.
pub fn parse(text: &str) -> Result<Vec<Term>, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let terms = parser.terms(0)?;
    match parser.peek() {
        None => Ok(terms),
        Some(c) => Err(format!("unexpected `{c}` at position {}", parser.at + 1)),
    }
}

/// How many linked entity hops the projection reaches (`a{b{c}}` is two).
pub fn depth(terms: &[Term]) -> usize {
    terms
        .iter()
        .filter_map(|t| t.linked.as_deref())
        .map(|inner| 1 + depth(inner))
        .max()
        .unwrap_or(0)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Terms joined by `,` or `|`; `level` is the number of open braces around them.
    fn terms(&mut self, level: usize) -> Result<Vec<Term>, String> {
        let mut out = vec![self.term(level)?];
        while matches!(self.peek(), Some(',' | '|')) {
            self.at += 1;
            out.push(self.term(level)?);
        }
        Ok(out)
    }

    fn term(&mut self, level: usize) -> Result<Term, String> {
        let start = self.at;
        while self.peek().is_some_and(name_char) {
            self.at += 1;
        }
        if start == self.at {
            return Err(match self.peek() {
                None => "a name is missing at the end".to_owned(),
                Some(c) => format!("a name is missing before `{c}` at position {}", self.at + 1),
            });
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if self.peek() != Some('{') {
            return Ok(Term { name, linked: None });
        }
        // The nesting is bounded here, not only against joinLevel later, so that a hostile
        // value cannot recurse deeply.
        if level >= MAX_JOIN_LEVEL {
            return Err(format!(
                "projections nest at most {MAX_JOIN_LEVEL} deep (the largest joinLevel)"
            ));
        }
        let open = self.at;
        self.at += 1;
        let inner = self.terms(level + 1)?;
        if self.peek() != Some('}') {
            return Err(format!("the `{{` at position {} is not closed", open + 1));
        }
        self.at += 1;
        Ok(Term {
            name,
            linked: Some(inner),
        })
    }
}

/// Characters of a (compact or expanded) attribute name; the delimiters of the language and
/// of other query syntaxes (`;`, `=`, spaces…) are not among them.
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '#' | '~' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str) -> Term {
        Term {
            name: name.into(),
            linked: None,
        }
    }

    #[test]
    fn names_braces_and_both_separators() {
        assert_eq!(
            parse("id,name|speed").unwrap(),
            vec![leaf("id"), leaf("name"), leaf("speed")]
        );
        let nested = parse("id,locatedAt{id,name,isInCountry{description}}").unwrap();
        assert_eq!(nested[1].name, "locatedAt");
        let city = nested[1].linked.as_ref().unwrap();
        assert_eq!(city[2].linked.as_ref().unwrap(), &vec![leaf("description")]);
        assert_eq!(depth(&nested), 2);
        assert_eq!(depth(&parse("a,b").unwrap()), 0);
        assert_eq!(
            parse("https://schema.org/name").unwrap()[0].name,
            "https://schema.org/name"
        );
    }

    #[test]
    fn malformed_projections_are_refused() {
        for bad in [
            "",
            "id;name",
            "id,locatedAt{name",
            "id,locatedAt{{name}",
            "id,,name",
            "id,locatedAt{,name}",
            "id,locatedAt{}",
            "name||x",
            "name,",
            "name}",
            "a b",
            "a{a{a{a{a{a{a{a{a{x}}}}}}}}}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
