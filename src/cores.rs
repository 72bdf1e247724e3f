//! Work spread over the machine's cores: much of a load or a sync is the same work for
//! each case, and the laptops schools have are small (two cores is common).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of every item, in order, with the items spread over the cores (at most 8). Each
/// core takes the next short run of items when done with its last, so a core that drew
/// the heavy cases (a long plan, a long history) does not leave the others idle.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    if threads == 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    // Runs short enough to even the cores out, long enough that taking one costs nothing.
    let runs: Vec<&[T]> = items.chunks((items.len() / (threads * 8)).clamp(1, 64)).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(run) = runs.get(i) else { return done };
            done.push((i, run.iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads.min(runs.len())).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        // `f` returns its errors; a panic in it is passed on as if it had happened here.
        for other in others {
            done.extend(other.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().flat_map(|(_, results)| results).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<u32> = (0..1001).collect();
        assert_eq!(super::map(&items, |n| n * 2), items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
    }

    #[test]
    fn keeps_the_order_when_some_items_are_slow() {
        let items: Vec<u64> = (0..200).collect();
        let slow = |n: &u64| {
            if n.is_multiple_of(50) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            *n
        };
        assert_eq!(super::map(&items, slow), items);
    }
}
