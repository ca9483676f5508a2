//! hello: the smallest tour of eddy's runtime, and what `cargo run --release --example hello`
//! runs while the HTTP example waits for its issue.
//!
//! It starts the multi-thread runtime with `#[eddy::main]`, fans work out to tasks, to a
//! `JoinSet` and to the blocking pool, and prints what came back and which threads did it.

use eddy::task::JoinSet;
use std::collections::HashSet;

#[eddy::main]
async fn main() {
    // One task per greeting; each reports the thread it ran on.
    let mut set = JoinSet::new();
    for (i, word) in ["hello", "from", "eddy's", "tasks"].into_iter().enumerate() {
        set.spawn(async move {
            eddy::task::yield_now().await;
            (
                i,
                word,
                std::thread::current().name().unwrap_or("?").to_string(),
            )
        });
    }
    let mut words = Vec::new();
    let mut threads = HashSet::new();
    while let Some(done) = set.join_next().await {
        let (i, word, thread) = done.expect("a greeting task failed");
        words.push((i, word));
        threads.insert(thread);
    }
    words.sort();
    let sentence: Vec<_> = words.into_iter().map(|(_, w)| w).collect();
    println!("{}", sentence.join(" "));

    // 100,000 small tasks, summed.
    let handles: Vec<_> = (0..100_000u64)
        .map(|n| eddy::spawn(async move { n }))
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.expect("a task failed");
    }
    println!("100000 tasks summed to {sum}");

    // Blocking work goes to the blocking pool, off the workers.
    let blocking = eddy::task::spawn_blocking(|| std::thread::current().name().map(String::from))
        .await
        .expect("the blocking task failed");
    println!(
        "greetings ran on {} worker thread(s); blocking work ran on {:?}",
        threads.len(),
        blocking.unwrap_or_default()
    );
}
