// cxx_throw: a C++ program that throws std::runtime_error("boom: the widget
// broke") three levels below main and never catches it:
//   main -> widgets::Factory::build -> widgets::Factory::assemble<int>
//        -> widgets::Factory::check_part -> throw
// The unhandled exception calls std::terminate -> abort -> SIGABRT, and
// since no handler was found the stack is NOT unwound: the throwing frames
// are still on the stack under __cxa_throw.
// Why: C++ demangling (namespaces, a class, a templated member function,
// std::vector<int> arguments) and unwinding through libstdc++ and libc.
// Built: g++ -O0 -g.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace widgets {

class Factory {
public:
	explicit Factory(std::string name) : name_(std::move(name)) {}

	int build(const std::vector<int> &parts);

	template <typename T>
	T assemble(const std::vector<T> &parts, int depth);

private:
	void check_part(int part, int index);
	std::string name_;
};

__attribute__((noinline)) void
Factory::check_part(int part, int index)
{
	if (part < 0)
		throw std::runtime_error("boom: the widget broke");
	(void) index;
}

template <typename T>
__attribute__((noinline)) T
Factory::assemble(const std::vector<T> &parts, int depth)
{
	T total = T();
	for (size_t i = 0; i < parts.size(); i++) {
		check_part(static_cast<int>(parts[i]), static_cast<int>(i));
		total += parts[i] * depth;
	}
	return total;
}

__attribute__((noinline)) int
Factory::build(const std::vector<int> &parts)
{
	return assemble<int>(parts, 2) + 1;
}

} // namespace widgets

int
main()
{
	widgets::Factory f("sprocket");
	std::vector<int> parts = { 3, 1, 4, -1, 5 };
	std::printf("not reached: %d\n", f.build(parts));
	return 0;
}
