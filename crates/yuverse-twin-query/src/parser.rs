//! Hand-written recursive-descent parser for the NGSI-LD Query Language (`q`).

use crate::ast::{
    combine, AttrPath, CompareOp, Expr, Literal, MemberPath, Operand, PathKind, Pattern, Temporal,
    Term,
};
use crate::error::{ErrorKind, ParseError, QueryParam};
use crate::temporal::{self, TemporalKind};
use crate::Limits;

/// A byte cursor over the input with helpers shared by the `q` and `scopeQ` parsers.
pub(crate) struct Cursor<'a> {
    pub(crate) src: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) param: QueryParam,
    pub(crate) limits: Limits,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a str, param: QueryParam, limits: Limits) -> Self {
        Cursor {
            src,
            b: src.as_bytes(),
            pos: 0,
            param,
            limits,
        }
    }

    /// Check the length guard and that the input is not blank.
    pub(crate) fn check_input(&mut self, what: &str) -> Result<(), ParseError> {
        if self.src.len() > self.limits.max_len {
            return Err(ParseError::new(
                self.param,
                ErrorKind::TooLong,
                self.src,
                self.limits.max_len,
                format!(
                    "the {what} is {} bytes long; at most {} are allowed",
                    self.src.len(),
                    self.limits.max_len
                ),
            ));
        }
        self.skip_ws();
        if self.at_end() {
            return Err(self.err(self.pos, format!("the {what} is empty")));
        }
        Ok(())
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, off: usize) -> Option<u8> {
        self.b.get(self.pos + off).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    pub(crate) fn eat(&mut self, token: &str) -> bool {
        if self.b[self.pos.min(self.b.len())..].starts_with(token.as_bytes()) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn next_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    /// Move past one character (not just one byte).
    pub(crate) fn bump_char(&mut self) {
        if let Some(c) = self.next_char() {
            self.pos += c.len_utf8();
        }
    }

    /// How the text at the cursor should be named in a message.
    pub(crate) fn found(&self) -> String {
        match self.next_char() {
            None => "the end of the input".to_owned(),
            Some(c) => format!("{c:?}"),
        }
    }

    pub(crate) fn err(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.param, ErrorKind::Syntax, self.src, at, message)
    }

    /// The character position (for messages) of a byte offset.
    pub(crate) fn char_pos(&self, at: usize) -> usize {
        self.src.char_indices().take_while(|(i, _)| *i < at).count()
    }

    pub(crate) fn too_deep(&self, at: usize) -> ParseError {
        ParseError::new(
            self.param,
            ErrorKind::TooDeep,
            self.src,
            at,
            format!(
                "the {} nests parentheses or paths more than {} levels deep",
                if self.param == QueryParam::Q {
                    "query"
                } else {
                    "scope query"
                },
                self.limits.max_depth
            ),
        )
    }

    /// Scan a name whose first character satisfies `first` and the rest `rest`.
    pub(crate) fn scan_name(
        &mut self,
        first: impl Fn(char) -> bool,
        rest: impl Fn(char) -> bool,
    ) -> Option<&'a str> {
        let start = self.pos;
        let tail = self.src.get(start..)?;
        let mut chars = tail.char_indices();
        match chars.next() {
            Some((_, c)) if first(c) => {}
            _ => return None,
        }
        let mut end = self.src.len();
        for (i, c) in chars {
            if !rest(c) {
                end = start + i;
                break;
            }
        }
        self.pos = end;
        Some(&self.src[start..end])
    }
}

/// `AttrName = unicodeLetter *TermChar`, `TermChar = unicodeNumber / unicodeLetter / "_"`.
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_alphabetic()
}

pub(crate) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters allowed in a member name inside `[...]`: name characters plus `-` (language
/// tags such as `en-GB`) and `@` (JSON-LD keys such as `@none`).
fn is_member_char(c: char) -> bool {
    is_name_char(c) || c == '-' || c == '@'
}

/// Characters that end an unquoted value (URI / vocabulary term).
fn ends_unquoted(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b';' | b'|' | b',' | b'(' | b')' | b'"')
}

enum Op {
    Compare(CompareOp),
    Pattern { negated: bool },
}

/// Parse a whole `q` text into a normalised expression.
pub(crate) fn parse_query(input: &str, limits: Limits) -> Result<Expr, ParseError> {
    let mut p = Cursor::new(input, QueryParam::Q, limits);
    p.check_input("query")?;
    let expr = p.or_expr(0, None)?;
    p.skip_ws();
    if !p.at_end() {
        let msg = if p.peek() == Some(b')') {
            "unbalanced ')': there is no matching '('".to_owned()
        } else {
            format!(
                "expected ';', '|' or the end of the query, found {}",
                p.found()
            )
        };
        return Err(p.err(p.pos, msg));
    }
    Ok(expr)
}

impl<'a> Cursor<'a> {
    fn or_expr(&mut self, depth: usize, after: Option<&str>) -> Result<Expr, ParseError> {
        let mut items = vec![self.and_expr(depth, after)?];
        loop {
            self.skip_ws();
            if self.eat("|") {
                items.push(self.and_expr(depth, Some("|"))?);
            } else {
                break;
            }
        }
        Ok(combine(false, items))
    }

    fn and_expr(&mut self, depth: usize, after: Option<&str>) -> Result<Expr, ParseError> {
        let mut items = vec![self.primary(depth, after)?];
        loop {
            self.skip_ws();
            if self.eat(";") {
                items.push(self.primary(depth, Some(";"))?);
            } else {
                break;
            }
        }
        Ok(combine(true, items))
    }

    fn primary(&mut self, depth: usize, after: Option<&str>) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() == Some(b'(') {
            let open = self.pos;
            if depth + 1 > self.limits.max_depth {
                return Err(self.too_deep(open));
            }
            self.pos += 1;
            let inner = self.or_expr(depth + 1, Some("("))?;
            self.skip_ws();
            if !self.eat(")") {
                return Err(self.err(
                    self.pos,
                    format!(
                        "expected ')' to close the '(' at position {}, found {}",
                        self.char_pos(open),
                        self.found()
                    ),
                ));
            }
            return Ok(inner);
        }
        let after = after.map(|a| format!(" after '{a}'")).unwrap_or_default();
        Ok(Expr::Term(self.term(depth, &after)?))
    }

    fn term(&mut self, depth: usize, after: &str) -> Result<Term, ParseError> {
        let start = self.pos;
        if self.eat("!") {
            if self.peek() == Some(b'(') {
                return Err(self.err(
                    start,
                    "'!' can only be put before an attribute path (it tests that the attribute does not exist)",
                ));
            }
            let path = self.path(depth, " after '!'")?;
            self.skip_ws();
            let op_pos = self.pos;
            if self.operator()?.is_some() {
                return Err(self.err(
                    op_pos,
                    "'!attr' tests that an attribute does not exist and cannot take an operator; use '!=' or '!~=' to negate a comparison",
                ));
            }
            self.expect_term_end("the attribute path")?;
            return Ok(Term::NotExists(path));
        }
        if !matches!(self.next_char(), Some(c) if is_name_start(c)) {
            let what = if after.is_empty() {
                String::new()
            } else {
                after.to_owned()
            };
            return Err(self.err(
                start,
                format!(
                    "expected an attribute name or '('{what}, found {}",
                    self.found()
                ),
            ));
        }
        let path = self.path(depth, after)?;
        self.skip_ws();
        let term = match self.operator()? {
            None => {
                self.expect_term_end("the attribute path")?;
                Term::Exists(path)
            }
            Some(Op::Compare(op)) => {
                let operand = self.operand(op)?;
                self.expect_term_end("the value")?;
                Term::Compare { path, op, operand }
            }
            Some(Op::Pattern { negated }) => {
                let pattern = self.pattern(negated)?;
                self.expect_term_end("the regular expression")?;
                Term::Pattern {
                    path,
                    negated,
                    pattern,
                }
            }
        };
        Ok(term)
    }

    fn expect_term_end(&mut self, what: &str) -> Result<(), ParseError> {
        self.skip_ws();
        match self.peek() {
            None | Some(b';') | Some(b'|') | Some(b')') => Ok(()),
            Some(_) => Err(self.err(
                self.pos,
                format!(
                    "expected ';', '|', ')' or the end of the query after {what}, found {}",
                    self.found()
                ),
            )),
        }
    }

    fn operator(&mut self) -> Result<Option<Op>, ParseError> {
        let at = self.pos;
        let op = if self.eat("==") {
            Op::Compare(CompareOp::Eq)
        } else if self.eat("!~=") {
            Op::Pattern { negated: true }
        } else if self.eat("!=") {
            Op::Compare(CompareOp::Ne)
        } else if self.eat("~=") {
            Op::Pattern { negated: false }
        } else if self.eat(">=") {
            Op::Compare(CompareOp::Ge)
        } else if self.eat(">") {
            Op::Compare(CompareOp::Gt)
        } else if self.eat("<=") {
            Op::Compare(CompareOp::Le)
        } else if self.eat("<") {
            Op::Compare(CompareOp::Lt)
        } else {
            let msg = match self.peek() {
                Some(b'=') => "unknown operator '=': use '==' to test equality",
                Some(b'~') => "unknown operator '~': use '~=' to match a regular expression",
                Some(b'!') => "unknown operator '!': use '!=' or '!~='",
                _ => return Ok(None),
            };
            return Err(self.err(at, msg));
        };
        Ok(Some(op))
    }

    // ---- attribute paths ---------------------------------------------------------------

    fn attr_name(&mut self) -> Option<&'a str> {
        self.scan_name(is_name_start, is_name_char)
    }

    fn path(&mut self, depth: usize, ctx: &str) -> Result<AttrPath, ParseError> {
        let start = self.pos;
        let Some(name) = self.attr_name() else {
            return Err(self.err(
                start,
                format!("expected an attribute name{ctx}, found {}", self.found()),
            ));
        };
        let name = name.to_owned();
        if self.peek() == Some(b'{') {
            let open = self.pos;
            if depth + 1 > self.limits.max_depth {
                return Err(self.too_deep(open));
            }
            self.pos += 1;
            let entity_types = self.type_hints();
            let target = self.path(depth + 1, " inside '{...}'")?;
            if !self.eat("}") {
                return Err(self.err(
                    self.pos,
                    format!(
                        "expected '}}' to close the linked-entity path opened at position {}, found {}",
                        self.char_pos(open),
                        self.found()
                    ),
                ));
            }
            return Ok(AttrPath {
                name,
                kind: PathKind::Linked {
                    entity_types,
                    target: Box::new(target),
                },
            });
        }
        let mut sub_attrs = Vec::new();
        while self.peek() == Some(b'.') && self.peek_at(1) != Some(b'.') {
            self.pos += 1;
            let at = self.pos;
            match self.attr_name() {
                Some(n) => sub_attrs.push(n.to_owned()),
                None => {
                    return Err(self.err(
                        at,
                        format!(
                            "expected a sub-attribute name after '.', found {}",
                            self.found()
                        ),
                    ))
                }
            }
        }
        let member = self.member_path()?;
        Ok(AttrPath {
            name,
            kind: PathKind::Value { sub_attrs, member },
        })
    }

    /// Optional `Type1,Type2:` prefix inside `{...}`; restores the cursor if absent.
    fn type_hints(&mut self) -> Vec<String> {
        let save = self.pos;
        let mut types = Vec::new();
        while let Some(t) = self.attr_name() {
            types.push(t.to_owned());
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b':') => {
                    self.pos += 1;
                    return types;
                }
                _ => break,
            }
        }
        self.pos = save;
        Vec::new()
    }

    fn member_path(&mut self) -> Result<Option<MemberPath>, ParseError> {
        let mut members: Vec<String> = Vec::new();
        let mut any_language = false;
        let mut seen = false;
        while self.peek() == Some(b'[') {
            let open = self.pos;
            self.pos += 1;
            seen = true;
            if self.eat("*") {
                if any_language || !members.is_empty() {
                    return Err(self.err(
                        open,
                        "'[*]' (any language) must be the only '[...]' of a path",
                    ));
                }
                any_language = true;
            } else {
                if any_language {
                    return Err(self.err(
                        open,
                        "'[*]' (any language) must be the only '[...]' of a path",
                    ));
                }
                loop {
                    let at = self.pos;
                    match self.scan_name(is_member_char, is_member_char) {
                        Some(m) => members.push(m.to_owned()),
                        None => {
                            return Err(self.err(
                                at,
                                format!(
                                    "expected a member name or '*' inside '[...]', found {}",
                                    self.found()
                                ),
                            ))
                        }
                    }
                    if self.peek() == Some(b'.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            if !self.eat("]") {
                return Err(self.err(
                    self.pos,
                    format!(
                        "expected ']' to close the '[' at position {}, found {}",
                        self.char_pos(open),
                        self.found()
                    ),
                ));
            }
        }
        Ok(match (seen, any_language) {
            (false, _) => None,
            (true, true) => Some(MemberPath::AnyLanguage),
            (true, false) => Some(MemberPath::Members(members)),
        })
    }

    // ---- values ------------------------------------------------------------------------

    fn operand(&mut self, op: CompareOp) -> Result<Operand, ParseError> {
        let after = op.as_str();
        let equality = matches!(op, CompareOp::Eq | CompareOp::Ne);
        self.skip_ws();
        let first_pos = self.pos;
        let first = self.literal(after)?;
        self.skip_ws();
        if self.peek() == Some(b'.') && self.peek_at(1) == Some(b'.') {
            let dots = self.pos;
            if !equality {
                return Err(self.err(
                    dots,
                    format!("a range (min..max) can only be used with '==' or '!=', not '{after}'"),
                ));
            }
            if !first.is_comparable() {
                return Err(self.err(
                    first_pos,
                    format!(
                        "a range needs numbers, strings, dates or times, not {}",
                        first.kind_name()
                    ),
                ));
            }
            self.pos += 2;
            self.skip_ws();
            let second_pos = self.pos;
            let second = self.literal("..")?;
            if std::mem::discriminant(&first) != std::mem::discriminant(&second) {
                return Err(self.err(
                    second_pos,
                    format!(
                        "both ends of a range must be of the same kind, not {} and {}",
                        first.kind_name(),
                        second.kind_name()
                    ),
                ));
            }
            if crate::eval::literal_cmp(&first, &second) == Some(std::cmp::Ordering::Greater) {
                return Err(self.err(
                    first_pos,
                    format!("the range minimum {first} is greater than its maximum {second}"),
                ));
            }
            self.skip_ws();
            if self.peek() == Some(b',')
                || (self.peek() == Some(b'.') && self.peek_at(1) == Some(b'.'))
            {
                return Err(self.err(
                    self.pos,
                    "a range cannot be combined with a value list or another range",
                ));
            }
            return Ok(Operand::Range(first, second));
        }
        if self.peek() == Some(b',') {
            if !equality {
                return Err(self.err(
                    self.pos,
                    format!("a value list (v1,v2,...) can only be used with '==' or '!=', not '{after}'"),
                ));
            }
            let mut items = vec![first];
            while self.eat(",") {
                items.push(self.literal(",")?);
                self.skip_ws();
                if self.peek() == Some(b'.') && self.peek_at(1) == Some(b'.') {
                    return Err(self.err(self.pos, "a range cannot be part of a value list"));
                }
            }
            return Ok(Operand::List(items));
        }
        if !equality && !first.is_comparable() {
            return Err(self.err(
                first_pos,
                format!(
                    "'{after}' needs a number, string, date or time, not {}",
                    first.kind_name()
                ),
            ));
        }
        Ok(Operand::Single(first))
    }

    fn literal(&mut self, after: &str) -> Result<Literal, ParseError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None | Some(b';') | Some(b'|') | Some(b')') | Some(b',') => Err(self.err(
                start,
                format!("expected a value after '{after}', found {}", self.found()),
            )),
            Some(b'"') => Ok(Literal::String(self.string()?)),
            Some(b'\'') => Err(self.err(
                start,
                "strings must be enclosed in double quotes (\"...\"), not single quotes",
            )),
            Some(c) if c.is_ascii_digit() => {
                if let Some((kind, n)) = temporal::scan(&self.b[start..]) {
                    let text = &self.src[start..start + n];
                    let Some(t) = Temporal::new(kind, text) else {
                        let what = match kind {
                            TemporalKind::DateTime => "date-time",
                            TemporalKind::Date => "date",
                            TemporalKind::Time => "time",
                        };
                        return Err(self.err(start, format!("invalid {what} '{text}'")));
                    };
                    self.pos += n;
                    return Ok(match kind {
                        TemporalKind::DateTime => Literal::DateTime(t),
                        TemporalKind::Date => Literal::Date(t),
                        TemporalKind::Time => Literal::Time(t),
                    });
                }
                self.number()
            }
            Some(b'-') => self.number(),
            Some(_) => {
                if !matches!(self.next_char(), Some(c) if c.is_alphabetic()) {
                    return Err(self.err(
                        start,
                        format!("expected a value after '{after}', found {}", self.found()),
                    ));
                }
                // An unquoted token also ends at "..", so that `a==x..y` reports a bad range.
                while matches!(self.peek(), Some(c) if !ends_unquoted(c))
                    && !(self.peek() == Some(b'.') && self.peek_at(1) == Some(b'.'))
                {
                    self.bump_char();
                }
                let token = &self.src[start..self.pos];
                Ok(match token {
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    _ => Literal::Uri(token.to_owned()),
                })
            }
        }
    }

    fn number(&mut self) -> Result<Literal, ParseError> {
        let start = self.pos;
        let invalid = |p: &Self| {
            let mut end = p.pos;
            while matches!(p.b.get(end), Some(c) if !ends_unquoted(*c)) {
                end += 1;
            }
            let end = (start..=end.min(p.src.len()))
                .rev()
                .find(|i| p.src.is_char_boundary(*i))
                .unwrap_or(start);
            p.err(start, format!("invalid number '{}'", &p.src[start..end]))
        };
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(c) if c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > s
        };
        self.eat("-");
        if self.eat("0") {
            // JSON numbers have no leading zeros.
        } else if !digits(self) {
            return Err(invalid(self));
        }
        if self.peek() == Some(b'.') && self.peek_at(1) != Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(invalid(self));
            }
        }
        if matches!(self.peek(), Some(b'e') | Some(b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+') | Some(b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(invalid(self));
            }
        }
        if matches!(self.next_char(), Some(c) if c.is_alphanumeric() || c == '_')
            || (self.peek() == Some(b'.') && self.peek_at(1) != Some(b'.'))
        {
            return Err(invalid(self));
        }
        let text = &self.src[start..self.pos];
        // Integers stay exact; anything else goes through Rust's correctly rounded f64
        // parser, so that printing (shortest round-trip form) and re-parsing is lossless.
        let integral = !text.contains(['.', 'e', 'E']);
        let number = if let (true, Ok(i)) = (integral, text.parse::<i64>()) {
            Some(serde_json::Number::from(i))
        } else if let (true, Ok(u)) = (integral, text.parse::<u64>()) {
            Some(serde_json::Number::from(u))
        } else {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        };
        match number {
            Some(n) => Ok(Literal::Number(n)),
            None => Err(self.err(start, format!("number '{text}' is out of range"))),
        }
    }

    /// A double-quoted JSON string (RFC 8259 section 7) at the cursor.
    pub(crate) fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let mut i = start + 1;
        loop {
            match self.b.get(i) {
                None => {
                    return Err(self.err(
                        start,
                        "unterminated string: the opening '\"' has no closing '\"'",
                    ))
                }
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        let text = &self.src[start..=i];
        match serde_json::from_str::<String>(text) {
            Ok(s) => {
                self.pos = i + 1;
                Ok(s)
            }
            Err(e) => Err(self.err(
                start,
                format!("invalid string {text}: {}", json_error_text(&e)),
            )),
        }
    }

    fn pattern(&mut self, negated: bool) -> Result<Pattern, ParseError> {
        let op = if negated { "!~=" } else { "~=" };
        self.skip_ws();
        let start = self.pos;
        let source = if self.peek() == Some(b'"') {
            self.string()?
        } else {
            self.raw_regex().to_owned()
        };
        if source.is_empty() {
            return Err(self.err(
                start,
                format!(
                    "expected a regular expression after '{op}', found {}",
                    self.found()
                ),
            ));
        }
        match regex::RegexBuilder::new(&source)
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .nest_limit(64)
            .build()
        {
            Ok(regex) => Ok(Pattern { regex }),
            Err(e) => Err(self.err(
                start,
                format!("invalid regular expression: {}", regex_error_text(&e)),
            )),
        }
    }

    /// An unquoted regular expression: runs to the next `;` or `|` or unmatched `)` that is
    /// outside any regex group or bracket class. Alternation therefore needs a group
    /// (`a~=(x|y)`) or a quoted pattern.
    fn raw_regex(&mut self) -> &'a str {
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_class = false;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => {
                    self.pos += 1;
                    self.bump_char();
                    continue;
                }
                b'[' if !in_class => in_class = true,
                b']' if in_class => in_class = false,
                b'(' if !in_class => depth += 1,
                b')' if !in_class => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                b';' | b'|' if !in_class && depth == 0 => break,
                _ => {}
            }
            self.bump_char();
        }
        self.src[start..self.pos].trim_end_matches(|c: char| c.is_ascii_whitespace())
    }
}

/// serde_json's message without its "at line 1 column N" suffix.
fn json_error_text(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// A one-line version of a regex error.
fn regex_error_text(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("syntax error")
            .to_owned(),
        regex::Error::CompiledTooBig(_) => "the pattern is too large".to_owned(),
        _ => "unsupported pattern".to_owned(),
    }
}
