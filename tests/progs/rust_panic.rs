// A Rust panic built with -C panic=abort: the panic message is printed and
// the process aborts (SIGABRT).  A module and a generic function give the
// demangler work (legacy and v0 manglings are built from this one file).
mod inventory {
    pub struct Shelf<T> {
        pub items: Vec<T>,
    }

    impl<T: Copy + std::fmt::Debug> Shelf<T> {
        #[inline(never)]
        pub fn fetch(&self, i: usize) -> T {
            if i >= self.items.len() {
                panic!("index {} out of range", i);
            }
            self.items[i]
        }
    }

    #[inline(never)]
    pub fn restock(s: &Shelf<u32>, i: usize) -> u32 {
        s.fetch(i) + 1
    }
}

fn main() {
    let s = inventory::Shelf { items: vec![1u32, 2, 3] };
    let i = std::env::args().count() + 6;
    println!("{}", inventory::restock(&s, i));
}
