// az_dlclose: a plugin (this file built with -DSHLIB into lib<exe>.so)
// makes a Codec object; the program dlclose()s the plugin, then calls a
// virtual method of the object: its vtable was in the unloaded library.
#include <cstdio>

struct Codec {
	virtual ~Codec() {}
	virtual int encode(int x) = 0;
	virtual int decode(int x) = 0;
};

#ifdef SHLIB
struct Rot13 : Codec {
	int encode(int x) override { return x + 13; }
	int decode(int x) override { return x - 13; }
};

extern "C" Codec *make_codec() { return new Rot13; }
#else
#include <dlfcn.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int run_codec(Codec *c, int x)
{
	return c->decode(x) * 2;
}

int main()
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	if (n < 0)
		return 2;
	path[n] = 0;
	char *slash = strrchr(path, '/');
	char base[NAME_MAX];
	snprintf(base, sizeof(base), "%s", slash + 1);
	snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "lib%s.so", base);
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		std::fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	Codec *(*make)() = (Codec *(*)())dlsym(h, "make_codec");
	Codec *c = make();
	dlclose(h);
	std::printf("%d\n", run_codec(c, 40));
	return 0;
}
#endif
