//! The code generator behind `select!`.
//!
//! `select!` itself is a `macro_rules!` in eddy-runtime: it parses the branches (`pat = fut, if cond =>
//! handler`, `else => expr`, `biased;`) with rustc's own parser and hands them over normalized:
//!
//! ```text
//! $crate biased|fair [(pat) (fut) (cond) (handler)] ... [else (expr)]
//! ```
//!
//! (`(cond)` is empty when the branch has no precondition.) From that this module writes the whole
//! expansion: counting branches and naming one output variant per branch is what `macro_rules!` cannot
//! do readably. The expansion, for branches numbered `i`:
//!
//! 1. evaluate every precondition; a false one sets bit `i` of a `disabled` mask;
//! 2. evaluate every future expression into a tuple that stays in place (it is pinned there);
//! 3. `poll_fn`: starting at a random branch (branch 0 if `biased`), poll each enabled future; when one
//!    completes, disable it and, if its value matches the branch pattern, return it wrapped in the
//!    branch's variant of a local `Output` enum; if none is pending any more, return `Output::Disabled`;
//! 4. leave the block (dropping the futures), then `match` the output against the branch patterns and run
//!    the handler, or the `else` expression (by default a panic).
//!
//! The handlers run outside the polling closure, so `return`, `break`, `continue`, `?` and `.await`
//! inside them act on the caller's function, as the user expects.

use crate::tokens::{self, Error, Header};
use proc_macro::{Delimiter, Group, Span, TokenStream, TokenTree};

/// Most branches one `select!` takes (one bit each in a `u64` mask).
const MAX_BRANCHES: usize = 64;

struct Branch {
    pat: TokenStream,
    fut: TokenStream,
    cond: TokenStream,
    handler: TokenStream,
}

/// Expands the normalized input of `select!`.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut iter = input.into_iter();
    let header = Header::read(&mut iter);
    let mut branches = Vec::new();
    let mut else_expr = None;
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                let mut parts = g.stream().into_iter().map(|part| match part {
                    TokenTree::Group(p) => p.stream(),
                    other => panic!("eddy-macros: malformed select! branch at {other:?}"),
                });
                let mut next = || parts.next().expect("eddy-macros: short select! branch");
                branches.push(Branch {
                    pat: next(),
                    fut: next(),
                    cond: next(),
                    handler: next(),
                });
            }
            TokenTree::Ident(i) if i.to_string() == "else" => match iter.next() {
                Some(TokenTree::Group(g)) => else_expr = Some(g.stream()),
                other => panic!("eddy-macros: malformed select! else branch at {other:?}"),
            },
            other => panic!("eddy-macros: unexpected select! input at {other:?}"),
        }
    }

    let span = Span::mixed_site();
    if branches.is_empty() {
        return match else_expr {
            Some(expr) => tokens::fill("{ $expr }", span, &[("expr", &expr)]),
            None => {
                Error::new(Span::call_site(), "select! requires at least one branch.").into_tokens()
            }
        };
    }
    if branches.len() > MAX_BRANCHES {
        let msg = format!("select! supports at most {MAX_BRANCHES} branches");
        return Error::new(Span::call_site(), msg).into_tokens();
    }
    let else_expr = else_expr.unwrap_or_else(|| {
        tokens::fill(
            "::core::panic!(\"all branches are disabled and there is no else branch\")",
            span,
            &[],
        )
    });
    generate(&header, &branches, else_expr)
}

fn generate(header: &Header, branches: &[Branch], else_expr: TokenStream) -> TokenStream {
    let span = Span::mixed_site();
    let krate = &header.krate;
    let count = branches.len();
    let mask = match count {
        0..=8 => "u8",
        9..=16 => "u16",
        17..=32 => "u32",
        _ => "u64",
    };
    let start = if header.biased || count == 1 {
        tokens::fill("0", span, &[])
    } else {
        tokens::fill(
            &format!("$krate::macros::support::thread_rng_n({count})"),
            span,
            &[("krate", krate)],
        )
    };

    let type_params: String = (0..count).map(|i| format!("T{i}, ")).collect();
    let variants: String = (0..count).map(|i| format!("B{i}(T{i}), ")).collect();
    let init: String = (0..count).map(|i| format!("$fut{i}, ")).collect();
    let into_futures: String = (0..count)
        .map(|i| format!("$krate::macros::support::IntoFuture::into_future(__init.{i}), "))
        .collect();

    let mut preconditions = TokenStream::new();
    let mut poll_arms = TokenStream::new();
    let mut handler_arms = TokenStream::new();
    let mut futs = Vec::with_capacity(count);
    for (i, branch) in branches.iter().enumerate() {
        futs.push((format!("fut{i}"), branch.fut.clone()));
        if !branch.cond.is_empty() {
            preconditions.extend(tokens::fill(
                &format!("if !($cond) {{ __disabled |= 1 << {i}; }}"),
                span,
                &[("cond", &branch.cond)],
            ));
        }
        poll_arms.extend(tokens::fill(
            &format!(
                "#[allow(unreachable_code)]
                {i}u32 => {{
                    let __bit: {mask} = 1 << {i};
                    if __disabled & __bit == __bit {{
                        continue;
                    }}
                    // SAFETY: the futures tuple lives in the caller's frame until the end of the block
                    // that holds this closure and is never moved: it is only reached through `&mut`.
                    let __fut = unsafe {{
                        $krate::macros::support::Pin::new_unchecked(&mut __futures.{i})
                    }};
                    let __out = match $krate::macros::support::Future::poll(__fut, __cx) {{
                        $krate::macros::support::Poll::Ready(__out) => __out,
                        $krate::macros::support::Poll::Pending => {{
                            __any_pending = true;
                            continue;
                        }}
                    }};
                    __disabled |= __bit;
                    #[allow(unused_variables, unused_mut)]
                    match &__out {{
                        $pat => {{}}
                        #[allow(unreachable_patterns)]
                        _ => continue,
                    }}
                    return $krate::macros::support::Poll::Ready(__Output::B{i}(__out));
                }}"
            ),
            span,
            &[("krate", krate), ("pat", &clean_pattern(branch.pat.clone()))],
        ));
        handler_arms.extend(tokens::fill(
            &format!("__Output::B{i}($pat) => $handler,"),
            span,
            &[("pat", &branch.pat), ("handler", &branch.handler)],
        ));
    }

    let template = format!(
        "{{
            enum __Output<{type_params}> {{
                {variants}
                Disabled,
            }}
            let mut __disabled: {mask} = 0;
            $preconditions
            #[allow(unused_mut)]
            let mut __output = {{
                // Evaluated into a tuple first so that temporaries in the expressions live as long as
                // the futures (temporary lifetime extension), then turned into futures in place.
                let __init = ({init});
                let mut __futures = ({into_futures});
                let __futures = &mut __futures;
                $krate::macros::support::poll_fn(|__cx| {{
                    if $krate::macros::support::poll_budget_available(__cx).is_pending() {{
                        return $krate::macros::support::Poll::Pending;
                    }}
                    let __futures = &mut *__futures;
                    let mut __any_pending = false;
                    let __start: u32 = $start;
                    for __offset in 0..{count}u32 {{
                        #[allow(clippy::modulo_one)]
                        let __branch = (__start + __offset) % {count}u32;
                        match __branch {{
                            $poll_arms
                            _ => ::core::unreachable!(\"select! branch index out of range\"),
                        }}
                    }}
                    if __any_pending {{
                        $krate::macros::support::Poll::Pending
                    }} else {{
                        $krate::macros::support::Poll::Ready(__Output::Disabled)
                    }}
                }})
                .await
            }};
            match __output {{
                $handler_arms
                __Output::Disabled => $else_expr,
                #[allow(unreachable_patterns)]
                _ => ::core::unreachable!(\"select! output does not match its branch pattern\"),
            }}
        }}"
    );
    let mut vars: Vec<(&str, &TokenStream)> = vec![
        ("krate", krate),
        ("start", &start),
        ("preconditions", &preconditions),
        ("poll_arms", &poll_arms),
        ("handler_arms", &handler_arms),
        ("else_expr", &else_expr),
    ];
    vars.extend(futs.iter().map(|(name, fut)| (name.as_str(), fut)));
    tokens::fill(&template, span, &vars)
}

/// The pattern with every `ref` and `mut` removed, for testing a value through a shared reference
/// (`match &out { pat => .. }`) without moving or mutably borrowing out of it. The real pattern, with
/// its `ref`/`mut`, binds the value afterwards.
fn clean_pattern(pat: TokenStream) -> TokenStream {
    pat.into_iter()
        .filter(|tree| !matches!(tree, TokenTree::Ident(i) if matches!(i.to_string().as_str(), "ref" | "mut")))
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), clean_pattern(g.stream()));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect()
}
