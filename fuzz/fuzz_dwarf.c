/* libFuzzer: DWARF and CFI read from a corrupted executable.  The input is
 * the types program's executable, linked statically (types, types printed,
 * unwinding tables, line tables, locations); it is opened with the fixed
 * core of that program ($PMDB_FUZZ_CORE, default
 * build/fuzz/static_types.core), and the typed dcmds and the unwinder run on
 * what it says.  Static, so that no shared libc's 10 MB of DWARF is read
 * again on every input: the dynamic build ran 2 inputs a second.  A mutation of the build-id makes pmdb
 * refuse the file, which is fine: the rest reaches libdw and pmdb's walkers. */
#include "common.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char CMDS[] =
	"$c -a; ::stack -s; 1::frame; ::p counter; ::p list_a; ::p *list_a.next;"
	"::print -t struct record; global_record::print; ::print -t record_t; ::sizeof struct flags;"
	"::offsetof struct record name; ::enum enum color 5; ::p numbers[3]; numbers::array int 5;"
	"list_a::list struct node next; ::whatis counter; main::dis -n 4; ::nm -m static_types";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pm_dwarf_set_cache_dir("");
	const char *core = getenv("PMDB_FUZZ_CORE");
	char exe[64];
	int fd = fuzz_memfd(data, size, exe, sizeof(exe));
	fuzz_run(core ? core : "build/fuzz/static_types.core", exe, CMDS);
	close(fd);
	return 0;
}
