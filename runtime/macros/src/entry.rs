//! `#[eddy::main]` and `#[eddy::test]`: turn an `async fn` into a plain `fn` that builds a runtime and
//! blocks on the body.
//!
//! ```text
//! #[eddy::main(worker_threads = 2)]            fn main() -> io::Result<()> {
//! async fn main() -> io::Result<()> {    ==>       let body = async { BODY };
//!     BODY                                          return ::eddy::runtime::Builder::new_multi_thread()
//! }                                                     .worker_threads(2).enable_all().build()
//!                                                       .expect("Failed building the Runtime")
//!                                                       .block_on(body);
//!                                               }
//! ```
//!
//! The item is taken apart by walking its top-level tokens (attributes, qualifiers up to `fn`, the name,
//! generics up to the parameter list, an optional `-> Type` and `where` clause, the body); everything but
//! `async` and the body is given back untouched. `#[eddy::test]` also adds `#[::core::prelude::v1::test]`
//! and pins the body behind `Pin<&mut dyn Future>`, so that each test does not instantiate `block_on` anew.
//! `flavor = "local"` builds the same current-thread runtime through `build_local`, giving a
//! `LocalRuntime`.
//! On an error the function is still expanded (with the default configuration) next to the
//! `compile_error!`, so that the user sees one precise error and IDEs keep working.

use crate::tokens::{self, Error};
use proc_macro::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "eddy::main",
            Kind::Test => "eddy::test",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    CurrentThread,
    MultiThread,
    /// A `LocalRuntime`: the current-thread scheduler, with `spawn_local` working everywhere.
    Local,
}

/// The runtime the expansion builds, from the attribute's arguments.
struct Config {
    flavor: Flavor,
    worker_threads: Option<usize>,
    start_paused: Option<bool>,
    name: Option<Literal>,
    crate_path: Option<TokenStream>,
}

impl Config {
    /// Tokio's defaults: `main` runs on the multi-thread scheduler, tests on the current thread.
    fn default_for(kind: Kind) -> Config {
        Config {
            flavor: match kind {
                Kind::Main => Flavor::MultiThread,
                Kind::Test => Flavor::CurrentThread,
            },
            worker_threads: None,
            start_paused: None,
            name: None,
            crate_path: None,
        }
    }
}

/// Expands `#[eddy::main(args)]` or `#[eddy::test(args)]` on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func = match ItemFn::parse(item.clone()) {
        Ok(func) => func,
        Err(e) => return tokens::concat([item, e.into_tokens()]),
    };
    match check_item(kind, &func).and_then(|()| parse_args(kind, args)) {
        Ok(config) => func.expand(kind, &config),
        Err(e) => tokens::concat([
            func.expand(kind, &Config::default_for(kind)),
            e.into_tokens(),
        ]),
    }
}

/// Rejects what the attribute cannot turn into a working function.
fn check_item(kind: Kind, func: &ItemFn) -> Result<(), Error> {
    if kind == Kind::Test {
        if let Some(attr) = func.attrs.iter().find(|a| is_test_attribute(a)) {
            return Err(Error::spanning(
                attr.pound.span(),
                attr.body.span(),
                "second test attribute is supplied, consider removing or changing the order of your test attributes",
            ));
        }
    }
    if kind == Kind::Main && func.name.to_string() == "main" && !func.params.stream().is_empty() {
        return Err(Error::new(
            func.params.span(),
            "the main function cannot accept arguments",
        ));
    }
    if !func.is_async {
        return Err(Error::new(
            func.fn_token.span(),
            "the `async` keyword is missing from the function declaration",
        ));
    }
    Ok(())
}

/// True for `#[test]` and `#[{::}{core,std}::prelude::<edition>::test]`.
fn is_test_attribute(attr: &Attr) -> bool {
    let path: String = attr.body.stream().to_string().split_whitespace().collect();
    if path == "test" {
        return true;
    }
    let parts: Vec<&str> = path
        .strip_prefix("::")
        .unwrap_or(&path)
        .split("::")
        .collect();
    matches!(parts.as_slice(), ["core" | "std", "prelude", edition, "test"]
        if !edition.is_empty() && edition.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// One `#[...]` attribute.
struct Attr {
    pound: TokenTree,
    body: Group,
}

/// The parts of the annotated function that the expansion needs.
struct ItemFn {
    /// Outer attributes, then inner ones (`#![...]`) lifted out of the body, since the body becomes an
    /// `async` block, where inner attributes are not allowed.
    attrs: Vec<Attr>,
    /// Everything from the visibility to the end of the `where` clause, without `async`.
    sig: Vec<TokenTree>,
    is_async: bool,
    fn_token: Ident,
    name: Ident,
    params: Group,
    /// The tokens after `->`, up to the `where` clause.
    output: Option<Vec<TokenTree>>,
    /// The statements of the body, inner attributes removed.
    stmts: Vec<TokenTree>,
    /// The span of the body's braces.
    body_span: Span,
}

impl ItemFn {
    fn parse(item: TokenStream) -> Result<ItemFn, Error> {
        let mut trees: Vec<TokenTree> = item.into_iter().collect();
        let body = match trees.pop() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
            Some(last) => {
                trees.push(last);
                return Err(Error::over(&trees, "expected an `async fn` with a body"));
            }
            None => return Err(Error::new(Span::call_site(), "expected an `async fn`")),
        };
        let mut iter = trees.into_iter().peekable();

        let mut attrs = Vec::new();
        while matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
            let pound = iter.next().expect("peeked");
            match iter.next() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
                    attrs.push(Attr { pound, body: g })
                }
                _ => return Err(Error::new(pound.span(), "expected an attribute")),
            }
        }

        // Qualifiers (`pub`, `const`, `async`, `unsafe`, `extern "C"`) up to `fn`; `async` is dropped.
        let mut sig = Vec::new();
        let mut is_async = false;
        let fn_token = loop {
            match iter.next() {
                Some(TokenTree::Ident(i)) if i.to_string() == "fn" => break i,
                Some(TokenTree::Ident(i)) if i.to_string() == "async" => is_async = true,
                Some(tree) => sig.push(tree),
                None => return Err(Error::new(body.span(), "expected a function")),
            }
        };
        sig.push(fn_token.clone().into());
        let name = match iter.next() {
            Some(TokenTree::Ident(name)) => name,
            _ => return Err(Error::new(fn_token.span(), "expected the function's name")),
        };
        sig.push(name.clone().into());

        // Generics, up to the parameter list (a `(...)` outside any `<...>`; `->` is not a bracket).
        let mut angle_depth = 0usize;
        let mut after_dash = false;
        let params = loop {
            let tree = iter
                .next()
                .ok_or_else(|| Error::new(name.span(), "expected the parameter list"))?;
            match &tree {
                TokenTree::Group(g)
                    if angle_depth == 0 && g.delimiter() == Delimiter::Parenthesis =>
                {
                    break g.clone()
                }
                TokenTree::Punct(p) if p.as_char() == '<' => angle_depth += 1,
                TokenTree::Punct(p) if p.as_char() == '>' && !after_dash => {
                    angle_depth = angle_depth.saturating_sub(1)
                }
                _ => {}
            }
            after_dash = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '-');
            sig.push(tree);
        };
        sig.push(params.clone().into());

        let rest: Vec<TokenTree> = iter.collect();
        let output = match rest.as_slice() {
            [TokenTree::Punct(dash), TokenTree::Punct(gt), ty @ ..]
                if dash.as_char() == '-' && gt.as_char() == '>' =>
            {
                let end = ty
                    .iter()
                    .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "where"))
                    .unwrap_or(ty.len());
                Some(ty[..end].to_vec())
            }
            _ => None,
        };
        sig.extend(rest);

        // Inner attributes at the top of the body.
        let mut stmts: Vec<TokenTree> = body.stream().into_iter().collect();
        while let [TokenTree::Punct(pound), TokenTree::Punct(bang), TokenTree::Group(g), ..] =
            stmts.as_slice()
        {
            if pound.as_char() != '#'
                || bang.as_char() != '!'
                || g.delimiter() != Delimiter::Bracket
            {
                break;
            }
            attrs.push(Attr {
                pound: pound.clone().into(),
                body: g.clone(),
            });
            stmts.drain(..3);
        }

        Ok(ItemFn {
            attrs,
            sig,
            is_async,
            fn_token,
            name,
            params,
            output,
            stmts,
            body_span: body.span(),
        })
    }

    /// The span of the first token of the body's last statement: rustc reports a mismatch between the
    /// body's type and the return type at the generated `block_on`, so it is placed there.
    fn last_stmt_span(&self) -> Span {
        let is_semi = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if p.as_char() == ';');
        let until = match self.stmts.last() {
            Some(t) if is_semi(t) => self.stmts.len() - 1,
            _ => self.stmts.len(),
        };
        let start = self.stmts[..until]
            .iter()
            .rposition(is_semi)
            .map_or(0, |i| i + 1);
        self.stmts
            .get(start)
            .map_or_else(Span::call_site, TokenTree::span)
    }

    fn expand(self, kind: Kind, config: &Config) -> TokenStream {
        let span = Span::mixed_site().located_at(self.last_stmt_span());

        let mut body = Group::new(Delimiter::Brace, self.stmts.iter().cloned().collect());
        body.set_span(self.body_span);
        let body: TokenStream = TokenTree::Group(body).into();
        let output = match &self.output {
            Some(ty) => ty.iter().cloned().collect(),
            None => tokens::fill("()", span, &[]),
        };
        let krate = match &config.crate_path {
            Some(path) => path.clone(),
            None => tokens::fill("::eddy", span, &[]),
        };
        let name = config
            .name
            .clone()
            .map_or_else(TokenStream::new, |lit| TokenTree::Literal(lit).into());

        let prepare = match kind {
            Kind::Test => {
                "let body = async $body;
                 let body = ::core::pin::pin!(body);
                 let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = $output>> = body;"
            }
            Kind::Main => "let body = async $body;",
        };
        let mut builder = String::from(match config.flavor {
            Flavor::MultiThread => "$krate::runtime::Builder::new_multi_thread()",
            Flavor::CurrentThread | Flavor::Local => {
                "$krate::runtime::Builder::new_current_thread()"
            }
        });
        let build = match config.flavor {
            Flavor::Local => ".build_local(::core::default::Default::default())",
            Flavor::CurrentThread | Flavor::MultiThread => ".build()",
        };
        if let Some(n) = config.worker_threads {
            builder.push_str(&format!(".worker_threads({n})"));
        }
        if let Some(paused) = config.start_paused {
            builder.push_str(&format!(".start_paused({paused})"));
        }
        if config.name.is_some() {
            builder.push_str(".name($name)");
        }
        // The explicit `return` keeps clippy's `semicolon_if_nothing_returned` quiet on unit bodies.
        let template = format!(
            "{prepare}
             #[allow(clippy::expect_used, clippy::diverging_sub_expression, clippy::needless_return)]
             {{
                 return {builder}
                     .enable_all()
                     {build}
                     .expect(\"Failed building the Runtime\")
                     .block_on(body);
             }}"
        );
        let block = tokens::fill(
            &template,
            span,
            &[
                ("body", &body),
                ("output", &output),
                ("krate", &krate),
                ("name", &name),
            ],
        );

        let mut out = TokenStream::new();
        for attr in self.attrs {
            out.extend([attr.pound, TokenTree::Group(attr.body)]);
        }
        if kind == Kind::Test {
            out.extend(tokens::fill(
                "#[::core::prelude::v1::test]",
                Span::call_site(),
                &[],
            ));
        }
        out.extend(self.sig);
        let mut fn_body = Group::new(Delimiter::Brace, block);
        fn_body.set_span(self.body_span);
        out.extend([TokenTree::Group(fn_body)]);
        out
    }
}

/// Parses the attribute's arguments (`flavor = "...", worker_threads = N, ...`) into a [`Config`].
fn parse_args(kind: Kind, args: TokenStream) -> Result<Config, Error> {
    let mut config = Config::default_for(kind);
    let mut flavor: Option<Flavor> = None;
    let mut worker_threads: Option<(usize, Span)> = None;
    let mut start_paused: Option<(bool, Span)> = None;
    let macro_name = kind.name();

    for arg in split_commas(args) {
        let key = match arg.first() {
            Some(TokenTree::Ident(i)) => i.to_string().to_lowercase(),
            _ => return Err(Error::over(&arg, "Unknown attribute inside the macro")),
        };
        let value = match &arg[1..] {
            [] => return Err(Error::over(&arg, bare_key_message(macro_name, &key))),
            [TokenTree::Punct(eq), value] if eq.as_char() == '=' => value,
            [TokenTree::Punct(eq), rest @ ..] if eq.as_char() == '=' => {
                return Err(Error::over(rest, "Must be a literal"))
            }
            _ => return Err(Error::over(&arg, format!("expected `{key} = <value>`"))),
        };
        let span = value.span();
        let set_twice = || Error::new(span, format!("`{key}` set multiple times."));
        match key.as_str() {
            "flavor" => {
                if flavor.is_some() {
                    return Err(set_twice());
                }
                let s = string_value(value).ok_or_else(|| {
                    Error::new(span, "Failed to parse value of `flavor` as string.")
                })?;
                flavor = Some(parse_flavor(&s).map_err(|msg| Error::new(span, msg))?);
            }
            "worker_threads" => {
                if worker_threads.is_some() {
                    return Err(set_twice());
                }
                let n = int_value(value).ok_or_else(|| {
                    Error::new(
                        span,
                        "Failed to parse value of `worker_threads` as integer.",
                    )
                })?;
                if n == 0 {
                    return Err(Error::new(span, "`worker_threads` may not be 0."));
                }
                worker_threads = Some((n, span));
            }
            "start_paused" => {
                if start_paused.is_some() {
                    return Err(set_twice());
                }
                let b = bool_value(value).ok_or_else(|| {
                    Error::new(span, "Failed to parse value of `start_paused` as bool.")
                })?;
                start_paused = Some((b, span));
            }
            "crate" => {
                if config.crate_path.is_some() {
                    return Err(set_twice());
                }
                let s = string_value(value)
                    .ok_or_else(|| Error::new(span, "Failed to parse value of `crate` as path."))?;
                config.crate_path = Some(parse_path(&s, span).ok_or_else(|| {
                    Error::new(
                        span,
                        format!("Failed to parse value of `crate` as path: \"{s}\""),
                    )
                })?);
            }
            "name" => {
                if config.name.is_some() {
                    return Err(set_twice());
                }
                match value {
                    TokenTree::Literal(lit) if string_value(value).is_some() => {
                        config.name = Some(lit.clone())
                    }
                    _ => {
                        return Err(Error::new(
                            span,
                            "Failed to parse value of `name` as string.",
                        ))
                    }
                }
            }
            _ => return Err(Error::over(&arg, unknown_key_message(&key))),
        }
    }

    config.flavor = flavor.unwrap_or(config.flavor);
    match (config.flavor, worker_threads) {
        (Flavor::CurrentThread | Flavor::Local, Some((_, span))) => {
            return Err(Error::new(
                span,
                format!(
                    "The `worker_threads` option requires the `multi_thread` runtime flavor. \
                     Use `#[{macro_name}(flavor = \"multi_thread\")]`"
                ),
            ))
        }
        (_, n) => config.worker_threads = n.map(|(n, _)| n),
    }
    match (config.flavor, start_paused) {
        (Flavor::MultiThread, Some((_, span))) => {
            return Err(Error::new(
                span,
                format!(
                    "The `start_paused` option requires the `current_thread` runtime flavor. \
                     Use `#[{macro_name}(flavor = \"current_thread\")]`"
                ),
            ))
        }
        (_, b) => config.start_paused = b.map(|(b, _)| b),
    }
    Ok(config)
}

fn bare_key_message(macro_name: &str, key: &str) -> String {
    match key {
        "multi_thread" | "threaded_scheduler" => {
            format!("Set the runtime flavor with #[{macro_name}(flavor = \"multi_thread\")].")
        }
        "current_thread" | "basic_scheduler" | "single_threaded" => {
            format!("Set the runtime flavor with #[{macro_name}(flavor = \"current_thread\")].")
        }
        "flavor" | "worker_threads" | "start_paused" | "crate" | "name" => {
            format!("The `{key}` attribute requires an argument.")
        }
        _ => unknown_key_message(key),
    }
}

fn unknown_key_message(key: &str) -> String {
    format!(
        "Unknown attribute {key} is specified; expected one of: \
         `flavor`, `worker_threads`, `start_paused`, `crate`, `name`."
    )
}

fn parse_flavor(s: &str) -> Result<Flavor, String> {
    match s {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        "local" => Ok(Flavor::Local),
        "single_thread" => {
            Err("The single threaded runtime flavor is called `current_thread`.".into())
        }
        "basic_scheduler" => {
            Err("The `basic_scheduler` runtime flavor has been renamed to `current_thread`.".into())
        }
        "threaded_scheduler" => Err(
            "The `threaded_scheduler` runtime flavor has been renamed to `multi_thread`.".into(),
        ),
        _ => Err(format!(
            "No such runtime flavor `{s}`. The runtime flavors are `current_thread`, `local`, and \
             `multi_thread`."
        )),
    }
}

/// Splits the attribute arguments at top-level commas, dropping empty pieces (a trailing comma).
fn split_commas(args: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut pieces = vec![Vec::new()];
    for tree in args {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => pieces.push(Vec::new()),
            _ => pieces.last_mut().expect("never empty").push(tree),
        }
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// The contents of a plain or raw string literal (escapes are not interpreted: the values this macro
/// reads, flavors and paths, never need them).
fn string_value(tree: &TokenTree) -> Option<String> {
    let TokenTree::Literal(lit) = tree else {
        return None;
    };
    let text = lit.to_string();
    let raw = text.strip_prefix('r').map(|t| t.trim_matches('#'));
    let quoted = raw.unwrap_or(&text);
    quoted
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map(str::to_owned)
}

/// The value of a decimal integer literal, with or without `_` separators and an integer suffix.
fn int_value(tree: &TokenTree) -> Option<usize> {
    const SUFFIXES: [&str; 13] = [
        "", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let TokenTree::Literal(lit) = tree else {
        return None;
    };
    let text: String = lit.to_string().chars().filter(|&c| c != '_').collect();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(end);
    if number.is_empty() || !SUFFIXES.contains(&suffix) {
        return None;
    }
    number.parse().ok()
}

fn bool_value(tree: &TokenTree) -> Option<bool> {
    match tree {
        TokenTree::Ident(i) if i.to_string() == "true" => Some(true),
        TokenTree::Ident(i) if i.to_string() == "false" => Some(false),
        _ => None,
    }
}

/// Parses `s` as a path (`a::b`, `::a`, `crate::a`), every token spanned at `span`.
fn parse_path(s: &str, span: Span) -> Option<TokenStream> {
    let is_ident = |seg: &str| {
        seg.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && seg.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let segments: Vec<&str> = s.trim().split("::").map(str::trim).collect();
    let named = segments.strip_prefix(&[""]).unwrap_or(&segments);
    if named.is_empty() || !named.iter().all(|seg| is_ident(seg)) {
        return None;
    }
    let stream: TokenStream = s.parse().ok()?;
    Some(respan(stream, span))
}

fn respan(stream: TokenStream, span: Span) -> TokenStream {
    stream
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(g) = &tree {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = TokenTree::Group(group);
            }
            tree.set_span(span);
            tree
        })
        .collect()
}
