// cxx_templates: a little template code (a class template with a member
// function template, std::map, std::vector, a lambda through std::function)
// whose innermost frame, Table<Key, Value>::visit<Fn>, reads through a NULL
// pointer.  Built: g++ -O2 -g.  Crashing function: Table<...>::visit<...>
// (look for "visit").
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bench {

template <typename T>
struct Cell {
	T value;
	Cell *next;
};

template <typename Key, typename Value>
class Table {
public:
	void put(const Key &k, const Value &v) { rows_[k].push_back(Cell<Value>{v, nullptr}); }

	template <typename Fn>
	__attribute__((noinline)) long visit(const Key &k, Fn fn) const
	{
		long sum = 0;
		auto it = rows_.find(k);
		for (const Cell<Value> &c : it->second) {
			sum += fn(c.value);
			sum += c.next->value.size();	// next is NULL
		}
		return sum;
	}

private:
	std::map<Key, std::vector<Cell<Value>>> rows_;
};

static volatile long nqueries;

__attribute__((noinline)) long
run_query(const Table<std::string, std::string> &t, const std::string &k,
    const std::function<long(const std::string &)> &score)
{
	long n = t.visit(k, [&](const std::string &s) { return score(s) + 1; });
	nqueries = nqueries + 1;	// not a tail call: run_query keeps its frame
	return n;
}

}  // namespace bench

int
main()
{
	bench::Table<std::string, std::string> t;
	t.put("alpha", "one");
	t.put("beta", "two");
	long n = bench::run_query(t, "alpha",
	    [](const std::string &s) { return static_cast<long>(s.size()); });
	std::printf("not reached: %ld\n", n);
	return 0;
}
