/* libFuzzer: a split DWARF package (.dwp) from an untrusted place.  The
 * input is the package of a two-unit program built with -gsplit-dwarf
 * and -fdebug-types-section (DWARF 4, packed by binutils' dwp with a
 * .debug_tu_index, its .dwo files deleted; made by
 * fuzz/mkseeds.py into build/fuzz/dwp/).  It is written beside the program
 * as prog.dwp, where pmdb looks for it, and the stack with inline frames
 * and arguments, types and variables are read through it: the unit index,
 * each unit's contributions and the per-unit image pmdb builds for libdw. */
#include "common.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR "build/fuzz/dwp/"

static const char CMDS[] =
	"::stack -as; 1::frame; ::p depth; ::p a->owner; 2::frame; ::p fee; ::p a->id;"
	"::print -t struct account; ::p ledger_total; ::p accounts[1].balance;"
	"::p accounts[0].next->id; ::p accounts[2].owner; ::modinfo";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pm_dwarf_set_cache_dir("");
	int fd = open(DIR "prog.dwp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !pm_write_all(fd, data, size))
		abort();
	close(fd);
	fuzz_run(DIR "prog.core", DIR "prog", CMDS);
	return 0;
}
