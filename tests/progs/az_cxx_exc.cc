// az_cxx_exc: uncaught C++ exceptions, one per argv[1]:
//   runtime  std::runtime_error("disk quota exceeded")
//   custom   ConfigError, derived from std::logic_error ("missing key: port")
//   nonstd   ParseFailure, a plain struct not derived from std::exception
#include <cstdio>
#include <cstring>
#include <stdexcept>

struct ConfigError : std::logic_error {
	explicit ConfigError(const char *m) : std::logic_error(m) {}
};

struct ParseFailure {
	int line;
	int column;
};

__attribute__((noinline)) void save_file(int n)
{
	if (n > 0)
		throw std::runtime_error("disk quota exceeded");
}

__attribute__((noinline)) void load_config(int n)
{
	if (n > 0)
		throw ConfigError("missing key: port");
}

__attribute__((noinline)) void parse_line(int n)
{
	if (n > 0)
		throw ParseFailure{n, 7};
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "runtime";
	if (std::strcmp(c, "runtime") == 0)
		save_file(argc);
	else if (std::strcmp(c, "custom") == 0)
		load_config(argc);
	else
		parse_line(argc);
	std::puts("not reached");
	return 0;
}
