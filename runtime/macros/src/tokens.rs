//! Building token streams without `quote`: a small template filler and `compile_error!` output.
//!
//! A template is Rust source text in which `$name` stands for tokens supplied by the caller. It is parsed
//! with `str::parse`, every token of the template itself is given one span (chosen by the caller, usually
//! [`Span::mixed_site`] so that the generated locals cannot clash with the user's), and the supplied tokens
//! are spliced in untouched, keeping their own spans and hygiene. The shortcut: the template is parsed again
//! on every expansion, which costs microseconds and keeps the generators readable.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Fills `template`: parses it, gives its own tokens `span`, and replaces each `$name` with the tokens
/// bound to `name` in `vars`.
///
/// # Panics
/// If the template does not parse or names a variable missing from `vars`: both are bugs in this crate.
pub(crate) fn fill(template: &str, span: Span, vars: &[(&str, &TokenStream)]) -> TokenStream {
    let parsed: TokenStream = template
        .parse()
        .unwrap_or_else(|e| panic!("eddy-macros: bad template ({e:?}): {template}"));
    fill_stream(parsed, span, vars)
}

fn fill_stream(stream: TokenStream, span: Span, vars: &[(&str, &TokenStream)]) -> TokenStream {
    let mut out = TokenStream::new();
    let mut iter = stream.into_iter();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                let name = match iter.next() {
                    Some(TokenTree::Ident(name)) => name.to_string(),
                    other => panic!(
                        "eddy-macros: `$` in a template must precede a name, found {other:?}"
                    ),
                };
                let value = vars.iter().find(|(n, _)| *n == name).unwrap_or_else(|| {
                    panic!("eddy-macros: template variable `${name}` is not bound")
                });
                out.extend(value.1.clone());
            }
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), fill_stream(g.stream(), span, vars));
                group.set_span(span);
                out.extend([TokenTree::Group(group)]);
            }
            mut other => {
                other.set_span(span);
                out.extend([other]);
            }
        }
    }
    out
}

/// Concatenates token streams.
pub(crate) fn concat(parts: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let mut out = TokenStream::new();
    out.extend(parts);
    out
}

/// A compile error to report to the user, covering the source from `start` to `end`.
#[derive(Debug)]
pub(crate) struct Error {
    message: String,
    start: Span,
    end: Span,
}

impl Error {
    /// An error pointing at one span.
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Error {
        Error::spanning(span, span, message)
    }

    /// An error pointing at the source from `start` to `end` (stable `proc_macro` cannot join spans, so
    /// the start and end are given to different tokens of the `compile_error!` call; rustc then
    /// underlines the whole range).
    pub(crate) fn spanning(start: Span, end: Span, message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            start,
            end,
        }
    }

    /// An error over a list of tokens: from the first to the last (call-site if empty).
    pub(crate) fn over(tokens: &[TokenTree], message: impl Into<String>) -> Error {
        let start = tokens.first().map_or_else(Span::call_site, TokenTree::span);
        let end = tokens.last().map_or(start, TokenTree::span);
        Error::spanning(start, end, message)
    }

    /// `::core::compile_error! { "message" }`, spanned so that rustc points at the offending source.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut message = Literal::string(&self.message);
        message.set_span(self.end);
        let mut body = Group::new(Delimiter::Brace, TokenTree::Literal(message).into());
        body.set_span(self.end);
        let joint = |c, s| TokenTree::Punct(with_span(Punct::new(c, Spacing::Joint), s));
        let alone = |c, s| TokenTree::Punct(with_span(Punct::new(c, Spacing::Alone), s));
        [
            joint(':', self.start),
            alone(':', self.start),
            TokenTree::Ident(Ident::new("core", self.start)),
            joint(':', self.start),
            alone(':', self.start),
            TokenTree::Ident(Ident::new("compile_error", self.start)),
            alone('!', self.start),
            TokenTree::Group(body),
        ]
        .into_iter()
        .collect()
    }
}

fn with_span(mut p: Punct, span: Span) -> Punct {
    p.set_span(span);
    p
}

/// The header that the `macro_rules!` front ends in eddy-runtime put before the input of a generator:
/// the `$crate` path to reach the runtime's support items, and whether `biased;` was given.
pub(crate) struct Header {
    /// `$crate` of the calling macro (eddy-runtime, however the user named it).
    pub(crate) krate: TokenStream,
    /// `biased;` was given: poll in declaration order instead of a rotating or random start.
    pub(crate) biased: bool,
}

impl Header {
    /// Reads `$crate biased` or `$crate fair` from the front of `iter`.
    pub(crate) fn read(iter: &mut impl Iterator<Item = TokenTree>) -> Header {
        let krate = match iter.next() {
            Some(tree @ TokenTree::Ident(_)) => TokenStream::from(tree),
            other => panic!("eddy-macros: expected `$crate` first, found {other:?}"),
        };
        let biased = match iter.next() {
            Some(TokenTree::Ident(mode)) => mode.to_string() == "biased",
            other => panic!("eddy-macros: expected `biased` or `fair`, found {other:?}"),
        };
        Header { krate, biased }
    }
}
