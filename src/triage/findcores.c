/* Finding core files: ELF files of type ET_CORE, in folders recursively.
 * Compressed files are counted and skipped: their contents are not
 * known without inflating them. */
#include "internal.h"
#include "../base/util.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void add(struct pm_corelist *l, char *path)
{
	vec_reserve(&l->path, &l->cap, l->n + 1, sizeof(*l->path));
	l->path[l->n++] = path;
}

static bool is_core(const unsigned char *h, size_t n)
{
	if (n < EI_NIDENT + 2 || memcmp(h, ELFMAG, SELFMAG) != 0)
		return false;
	unsigned type = h[EI_DATA] == ELFDATA2MSB ? (unsigned)h[16] << 8 | h[17]
						  : (unsigned)h[17] << 8 | h[16];
	return type == ET_CORE;
}

static bool is_compressed(const unsigned char *h, size_t n)
{
	static const struct { const char *magic; size_t len; } kinds[] = {
		{ "\x28\xb5\x2f\xfd", 4 },     /* zstd */
		{ "\x1f\x8b", 2 },             /* gzip */
		{ "BZh", 3 },                  /* bzip2 */
		{ "\xfd" "7zXZ", 5 },          /* xz */
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (n >= kinds[i].len && memcmp(h, kinds[i].magic, kinds[i].len) == 0)
			return true;
	return false;
}

static void consider_file(struct pm_corelist *l, char *path)
{
	unsigned char h[EI_NIDENT + 2];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		n = read(fd, h, sizeof(h));
		close(fd);
	}
	if (n > 0 && is_core(h, (size_t)n)) {
		add(l, path);
		return;
	}
	if (n > 0 && is_compressed(h, (size_t)n)) {
		if (l->compressed++ == 0)
			l->compressed_example = xstrdup(path);
	}
	free(path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Symbolic links to folders are not followed: no loops. */
static void walk(struct pm_corelist *l, const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "pmdb triage: cannot read folder %s: %m\n", dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			size_t dl = strlen(dir);
			char *path = xasprintf("%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
			struct stat st, lst;
			if (lstat(path, &lst) == 0 && S_ISDIR(lst.st_mode)) {
				walk(l, path);
				free(path);
			} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				consider_file(l, path);
			} else {
				free(path);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

void pm_find_cores(const char *arg, struct pm_corelist *l)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		walk(l, arg);
	else
		add(l, xstrdup(arg));
}

void pm_corelist_free(struct pm_corelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->path[i]);
	free(l->path);
	free(l->compressed_example);
	memset(l, 0, sizeof(*l));
}
