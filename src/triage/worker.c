/* One core in a worker process, and reading back what a worker wrote. */
#include "internal.h"
#include "../analyze/report.h"
#include "../base/json.h"
#include "../base/util.h"
#include "../cmd/cmds.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Header fields are tab-separated on one line. */
static void field(FILE *out, const char *s)
{
	fputc('\t', out);
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, out);
}

static void summary_json(FILE *out, const char *core, const struct pm_verdict *v,
			 const struct pm_signature *sig)
{
	struct pm_json j;
	pm_json_init(&j, out);
	pm_json_object(&j);
	pm_json_kstr(&j, "core", core);
	pm_json_kstr(&j, "class", v->cls);
	pm_json_kstr(&j, "summary", v->summary);
	pm_json_kstr(&j, "signature", sig->text);
	pm_json_kstr(&j, "hash", sig->hash);
	pm_json_kstr(&j, "error", NULL);
	pm_json_object_end(&j);
	fputc('\n', out);
}

static struct pm_err *analyse(struct pmdb *db, const char *core, const struct pm_triage_opts *o,
			      FILE *out)
{
	struct pm_err *err = pm_target_open(core, NULL, &db->t);
	if (!err)
		err = pm_dwarf_open(db->t, o->debug_dirs, &db->dw);
	if (err)
		return err;
	db->cur_thread = pm_signal_thread(db->t);
	struct pm_verdict v;
	if ((err = pm_analyze(db, &v)))
		return err;
	struct pm_signature sig;
	pm_signature_make(db, &v, &sig);
	fputs("H", out);
	field(out, sig.hash);
	field(out, v.cls);
	field(out, sig.text);
	field(out, v.summary);
	fputc('\n', out);
	if (o->json)
		pm_report_json(db, &v, &sig, out);
	else
		summary_json(out, core, &v, &sig);
	pm_signature_free(&sig);
	pm_verdict_free(&v);
	return NULL;
}

void pm_triage_worker(const char *core, const struct pm_triage_opts *o, int fd)
{
	FILE *out = fdopen(fd, "w");
	if (!out)
		_exit(3);
	struct pmdb db = { .out = out, .radix = 16 };
	struct pm_err *err = analyse(&db, core, o, out);
	if (err) {
		fputs("E", out);
		field(out, err->msg);
		fputc('\n', out);
		pm_err_free(err);
	}
	if (db.dw)
		pm_dwarf_close(db.dw);
	if (db.t)
		pm_target_close(db.t);
	fclose(out);
}

static char *next_field(char **p)
{
	char *s = *p, *tab = strchr(s, '\t');
	if (tab) {
		*tab = 0;
		*p = tab + 1;
	} else {
		*p = s + strlen(s);
	}
	return xstrdup(s);
}

bool pm_result_parse(struct pm_result *r, char *data, size_t len)
{
	char *nl = memchr(data, '\n', len);
	if (!nl || len < 2 || data[1] != '\t')
		return false;
	*nl = 0;
	char *p = data + 2;
	if (data[0] == 'E') {
		r->error = xstrdup(p);
		return true;
	}
	char *json = nl + 1;
	size_t jlen = len - (size_t)(json - data);
	if (data[0] != 'H' || jlen == 0 || json[jlen - 1] != '\n')
		return false;     /* cut short: the worker died while writing */
	r->hash = next_field(&p);
	r->cls = next_field(&p);
	r->signature = next_field(&p);
	r->summary = next_field(&p);
	r->json = xstrndup(json, jlen);
	return true;
}

char *pm_result_error_json(const char *core, const char *error)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct pm_json j;
	pm_json_init(&j, out);
	pm_json_object(&j);
	pm_json_kstr(&j, "core", core);
	static const char *const none[] = { "class", "summary", "signature", "hash" };
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		pm_json_kstr(&j, none[i], NULL);
	pm_json_kstr(&j, "error", error);
	pm_json_object_end(&j);
	fputc('\n', out);
	fclose(out);
	return buf;
}

void pm_result_free(struct pm_result *r)
{
	free(r->error);
	free(r->hash);
	free(r->cls);
	free(r->signature);
	free(r->summary);
	free(r->json);
	memset(r, 0, sizeof(*r));
}
