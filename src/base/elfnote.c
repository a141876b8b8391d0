/* ELF note walking (elfnote.h). */
#include "elfnote.h"
#include "util.h"

#include <string.h>

#define ALIGN4(x) (((x) + 3) & ~(size_t)3)

bool pm_note_next(const unsigned char *buf, size_t len, size_t *at, struct pm_note *n)
{
	size_t p = *at;
	if (p > len || len - p < 12)
		return false;
	/* in size_t: 4-byte padding of a 32-bit size cannot wrap */
	size_t namesz = pm_le32(buf + p), descsz = pm_le32(buf + p + 4);
	size_t room = len - p - 12;
	if (ALIGN4(namesz) > room || ALIGN4(descsz) > room - ALIGN4(namesz))
		return false;
	n->type = pm_le32(buf + p + 8);
	n->name = buf + p + 12;
	n->namesz = namesz;
	n->desc = n->name + ALIGN4(namesz);
	n->descsz = descsz;
	*at = p + 12 + ALIGN4(namesz) + ALIGN4(descsz);
	return true;
}

bool pm_note_owner(const struct pm_note *n, const char *name)
{
	size_t len = strlen(name) + 1;
	return n->namesz == len && memcmp(n->name, name, len) == 0;
}
