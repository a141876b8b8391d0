/* libFuzzer: the command language (expressions, formats, dcmd arguments,
 * pipelines) on a fixed core, $PMDB_FUZZ_CORE (default: the types core the
 * seed-maker leaves in build/fuzz/).  Inputs that could reach the shell,
 * dlopen or read arbitrary files are skipped. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pm_target *target;
static struct pm_dwarf *dwarf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *core = getenv("PMDB_FUZZ_CORE");
	const char *exe = getenv("PMDB_FUZZ_EXE");
	pm_dwarf_set_cache_dir("");
	struct pm_err *err = pm_target_open(core ? core : "build/fuzz/types.core",
					    exe ? exe : "build/fuzz/types", &target);
	if (!err)
		err = pm_dwarf_open(target, NULL, &dwarf);
	if (err) {
		pm_err_report(err);
		fprintf(stderr, "fuzz_expr: run fuzz/mkseeds.py first, or set PMDB_FUZZ_CORE and PMDB_FUZZ_EXE\n");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096 || memchr(data, '!', size))
		return 0;
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = 0;
	if (strstr(line, "load") || strstr(line, "$<") || strstr(line, "::cat")) {
		free(line);
		return 0;
	}
	struct pmdb db;
	fuzz_session_init(&db, target, dwarf);
	pm_exec_line(&db, line);
	free(line);
	return 0;
}
