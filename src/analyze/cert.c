/* The secondary rating: CERT's "exploitable" classes and their ratings
 * (the names of its GDB plugin's rules). */
#include "internal.h"
#include "../base/util.h"

#include <string.h>

static const struct {
	const char *name, *rating;
} classes[] = {
	{ "ReturnAv", "EXPLOITABLE" },
	{ "SegFaultOnPc", "EXPLOITABLE" },
	{ "BranchAv", "EXPLOITABLE" },
	{ "StackCodeExecution", "EXPLOITABLE" },
	{ "StackBufferOverflow", "EXPLOITABLE" },
	{ "PossibleStackCorruption", "EXPLOITABLE" },
	{ "DestAv", "EXPLOITABLE" },
	{ "BadInstruction", "EXPLOITABLE" },
	{ "HeapError", "EXPLOITABLE" },
	{ "StackOverflow", "PROBABLY_EXPLOITABLE" },
	{ "SegFaultOnPcNearNull", "PROBABLY_EXPLOITABLE" },
	{ "BranchAvNearNull", "PROBABLY_EXPLOITABLE" },
	{ "BlockMoveAv", "PROBABLY_EXPLOITABLE" },
	{ "DestAvNearNull", "PROBABLY_EXPLOITABLE" },
	{ "SourceAvNearNull", "PROBABLY_NOT_EXPLOITABLE" },
	{ "FloatingPointException", "PROBABLY_NOT_EXPLOITABLE" },
	{ "BenignSignal", "PROBABLY_NOT_EXPLOITABLE" },
	{ "SourceAv", "UNKNOWN" },
	{ "AbortSignal", "UNKNOWN" },
	{ "AccessViolation", "UNKNOWN" },
	{ "UncategorizedSignal", "UNKNOWN" },
};

void pm_az_cert(struct actx *a, const char *cert)
{
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
		if (strcmp(classes[i].name, cert) == 0) {
			a->v->cert = classes[i].name;
			a->v->cert_rating = classes[i].rating;
			return;
		}
}
