// An uncaught C++ exception: std::terminate, then abort().  Namespaces, a
// class and a member template give the demangler work.
#include <stdexcept>
#include <vector>

namespace factory {
class Widget {
public:
	template <typename T>
	__attribute__((noinline)) T assemble(const std::vector<T> &parts)
	{
		T sum = T();
		for (const T &p : parts)
			sum += p;
		if (sum > 5)
			throw std::runtime_error("boom: the widget broke");
		return sum;
	}
};

__attribute__((noinline)) int build(Widget &w, int n)
{
	std::vector<int> parts(n, 2);
	return w.assemble(parts);
}
} // namespace factory

__attribute__((noinline)) int run_line(int n)
{
	factory::Widget w;
	return factory::build(w, n);
}

int main()
{
	return run_line(3);
}
