//! Entity type expressions of the `type` parameter: `,` and `|` mean OR, `;` means AND, and
//! parentheses group (NGSI-LD V1.9 clause 4.17).

use crate::error::{NgsiError, NgsiResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    Name(String),
    Any(Vec<TypeExpr>),
    All(Vec<TypeExpr>),
}

impl TypeExpr {
    pub fn parse(input: &str) -> NgsiResult<TypeExpr> {
        let mut parser = Parser {
            chars: input.chars().collect(),
            pos: 0,
        };
        let expr = parser.or()?;
        if parser.pos != parser.chars.len() {
            return Err(NgsiError::bad_data(format!(
                "type: unexpected `{}` at position {}",
                parser.chars[parser.pos], parser.pos
            )));
        }
        Ok(expr)
    }

    /// Every type name in the expression.
    pub fn names_mut(&mut self) -> Vec<&mut String> {
        match self {
            TypeExpr::Name(n) => vec![n],
            TypeExpr::Any(v) | TypeExpr::All(v) => {
                v.iter_mut().flat_map(TypeExpr::names_mut).collect()
            }
        }
    }

    pub fn matches(&self, types: &[&str]) -> bool {
        match self {
            TypeExpr::Name(n) => types.contains(&n.as_str()),
            TypeExpr::Any(v) => v.iter().any(|e| e.matches(types)),
            TypeExpr::All(v) => v.iter().all(|e| e.matches(types)),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn or(&mut self) -> NgsiResult<TypeExpr> {
        let mut terms = vec![self.and()?];
        while matches!(self.peek(), Some(',') | Some('|')) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            TypeExpr::Any(terms)
        })
    }

    fn and(&mut self) -> NgsiResult<TypeExpr> {
        let mut terms = vec![self.atom()?];
        while self.peek() == Some(';') {
            self.pos += 1;
            terms.push(self.atom()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            TypeExpr::All(terms)
        })
    }

    fn atom(&mut self) -> NgsiResult<TypeExpr> {
        if self.peek() == Some('(') {
            self.pos += 1;
            let inner = self.or()?;
            if self.peek() != Some(')') {
                return Err(NgsiError::bad_data("type: missing `)`"));
            }
            self.pos += 1;
            return Ok(inner);
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if ",|;()".contains(c) {
                break;
            }
            if c.is_whitespace() || "<>\"'=".contains(c) {
                return Err(NgsiError::bad_data(format!(
                    "type: invalid character `{c}`"
                )));
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(NgsiError::bad_data(format!(
                "type: a type name is missing at position {start}"
            )));
        }
        Ok(TypeExpr::Name(self.chars[start..self.pos].iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        let e = TypeExpr::parse("A,B").unwrap();
        assert!(e.matches(&["B"]) && !e.matches(&["C"]));
        let e = TypeExpr::parse("(A;B)|C").unwrap();
        assert!(e.matches(&["A", "B"]) && e.matches(&["C"]) && !e.matches(&["A"]));
        for bad in ["", "A,", "(A", "A B", "A;;B"] {
            assert!(TypeExpr::parse(bad).is_err(), "{bad}");
        }
    }
}
