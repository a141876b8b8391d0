// rust_panic: a Rust program that panics with
// `panic!("index {} out of range", i)` a few frames below main:
//   main -> warehouse::restock -> warehouse::Shelf<u32>::fetch (generic)
//        -> warehouse::check_index -> panic
// Built with -C panic=abort -g, so the panic prints its message and calls
// abort() -> SIGABRT with the panicking frames still on the stack.
// Why: Rust symbol demangling -- built twice, as rust_panic_legacy
// (-C symbol-mangling-version=legacy, or the default, which is legacy on
// stable rustc) and rust_panic_v0 (-C symbol-mangling-version=v0).
// Note: the Rust standard library shipped by rustup may itself be compiled
// with v0 mangling, whatever the flag says for this crate.

mod warehouse {
    use std::fmt::Debug;

    pub struct Shelf<T> {
        pub label: &'static str,
        pub items: Vec<T>,
    }

    #[inline(never)]
    pub fn check_index(i: usize, len: usize) {
        if i >= len {
            panic!("index {} out of range", i);
        }
    }

    impl<T: Copy + Debug> Shelf<T> {
        #[inline(never)]
        pub fn fetch(&self, i: usize) -> T {
            check_index(i, self.items.len());
            self.items[i]
        }
    }

    #[inline(never)]
    pub fn restock<T: Copy + Debug>(shelf: &Shelf<T>, wanted: &[usize]) -> Vec<T> {
        let mut out = Vec::new();
        for &i in wanted {
            out.push(shelf.fetch(i));
        }
        out
    }
}

fn main() {
    let shelf = warehouse::Shelf { label: "bolts", items: vec![10u32, 20, 30] };
    let wanted = std::hint::black_box(vec![0usize, 2, 7]);
    let got = warehouse::restock(&shelf, &wanted);
    println!("not reached: {} {:?}", shelf.label, got);
}
