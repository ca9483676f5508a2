//! The code generator behind `join!` and `try_join!`.
//!
//! The `macro_rules!` front ends in eddy-runtime parse the comma-separated futures and hand them over as
//! `$crate biased|fair (fut) (fut) ...`. The expansion keeps every future in a `MaybeDone` slot of one
//! tuple that stays in place, and polls them all from one `poll_fn`:
//!
//! - each poll of the `join!` future starts one future further along (wrapping), so that a future that
//!   uses up the task's budget cannot starve the ones after it; with `biased;` it always starts at the
//!   first;
//! - when nothing is pending any more it takes every output out, in declaration order, as a tuple;
//! - `try_join!` also returns the first `Err` as soon as it is seen, leaving the other futures to be
//!   dropped with the `try_join!` future.

use crate::tokens::{self, Header};
use proc_macro::{Span, TokenStream, TokenTree};

/// Expands `join!` (`fallible == false`) or `try_join!` (`fallible == true`).
pub(crate) fn expand(input: TokenStream, fallible: bool) -> TokenStream {
    let mut iter = input.into_iter();
    let header = Header::read(&mut iter);
    let futures: Vec<TokenStream> = iter
        .map(|tree| match tree {
            TokenTree::Group(g) => g.stream(),
            other => panic!("eddy-macros: unexpected join! input at {other:?}"),
        })
        .collect();

    let span = Span::mixed_site();
    let krate = &header.krate;
    let count = futures.len();
    if count == 0 {
        let unit = if fallible {
            "async { ::core::result::Result::Ok(()) }.await"
        } else {
            "async {}.await"
        };
        return tokens::fill(unit, span, &[]);
    }

    let slots: String = (0..count)
        .map(|i| format!("$krate::macros::support::maybe_done($fut{i}), "))
        .collect();
    // SAFETY (for each `Pin::new_unchecked` below): the slots tuple lives in the caller's frame for as
    // long as the `join!` future, is reached only through `&mut`, and is never moved out of.
    let pin_slot = |i: usize| {
        format!("unsafe {{ $krate::macros::support::Pin::new_unchecked(&mut __slots.{i}) }}")
    };
    let mut poll_arms = String::new();
    for i in 0..count {
        let on_ready = if fallible {
            format!(
                "else if let ::core::option::Option::Some(__err) = {}.take_err() {{
                    return $krate::macros::support::Poll::Ready(__err);
                }}",
                pin_slot(i)
            )
        } else {
            String::new()
        };
        poll_arms.push_str(&format!(
            "{i}u32 => {{
                // SAFETY: see the slots tuple above.
                let __slot = {};
                if $krate::macros::support::Future::poll(__slot, __cx).is_pending() {{
                    __any_pending = true;
                }} {on_ready}
            }}",
            pin_slot(i)
        ));
    }
    let take = if fallible { "take_ok" } else { "take_output" };
    let outputs: String = (0..count)
        .map(|i| format!("{}.{take}(), ", pin_slot(i)))
        .collect();
    let outputs = if fallible {
        format!("::core::result::Result::Ok(({outputs}))")
    } else {
        format!("({outputs})")
    };
    let (rotor_init, rotor_step) = if header.biased {
        ("", "let __start: u32 = 0;".to_owned())
    } else {
        (
            "let mut __next_start: u32 = 0;",
            format!(
                "let __start = __next_start;
                 __next_start = if __next_start + 1 == {count}u32 {{ 0 }} else {{ __next_start + 1 }};"
            ),
        )
    };

    let template = format!(
        "{{
            let mut __slots = ({slots});
            // The closure holds only a reference to the slots, never the slots themselves.
            let __slots = &mut __slots;
            {rotor_init}
            $krate::macros::support::poll_fn(move |__cx| {{
                let __slots = &mut *__slots;
                {rotor_step}
                let mut __any_pending = false;
                for __offset in 0..{count}u32 {{
                    #[allow(clippy::modulo_one)]
                    let __index = (__start + __offset) % {count}u32;
                    match __index {{
                        {poll_arms}
                        _ => ::core::unreachable!(\"join! index out of range\"),
                    }}
                }}
                if __any_pending {{
                    return $krate::macros::support::Poll::Pending;
                }}
                // An uninhabited output type makes this unreachable; that is not the caller's concern.
                #[allow(unreachable_code)]
                {{
                    $krate::macros::support::Poll::Ready({outputs})
                }}
            }})
            .await
        }}"
    );
    let names: Vec<String> = (0..count).map(|i| format!("fut{i}")).collect();
    let mut vars: Vec<(&str, &TokenStream)> = vec![("krate", krate)];
    vars.extend(names.iter().map(String::as_str).zip(futures.iter()));
    tokens::fill(&template, span, &vars)
}
