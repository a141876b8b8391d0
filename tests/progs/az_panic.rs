// az_panic: Rust panics (built with panic=abort), one per argument:
//   explicit  panic!("reactor {} overheated", id)
//   unwrap    unwrap() on a None
//   index     a slice index out of bounds
use std::env;
use std::hint::black_box;

#[inline(never)]
fn check_reactor(id: u32, temp: u32) {
    if temp > 900 {
        panic!("reactor {} overheated", id);
    }
}

#[inline(never)]
fn find_user(names: &[&str], who: &str) -> usize {
    let pos = names.iter().position(|n| *n == who);
    pos.unwrap()
}

#[inline(never)]
fn nth_reading(v: &[u64], i: usize) -> u64 {
    v[i]
}

fn main() {
    let case = env::args().nth(1).unwrap_or_default();
    match case.as_str() {
        "explicit" => check_reactor(black_box(4), black_box(1200)),
        "unwrap" => println!("{}", find_user(&["ann", "bob"], black_box("eve"))),
        _ => {
            let v = vec![1u64, 2, 3];
            println!("{}", nth_reading(&v, black_box(7)));
        }
    }
}
