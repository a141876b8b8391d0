/* The JSON report of a dump (docs/json.md): what the process was, its
 * threads with registers and frames, mappings, modules, the verdict and
 * the signature, as one object on one line. */
#include "report.h"
#include "../base/json.h"
#include "../cmd/cmds.h"
#include "../cmd/signals.h"

#include <elf.h>
#include <string.h>

static void signal_obj(struct pm_json *j, const struct pm_target *t, size_t ti)
{
	const struct pm_thread *th = ti < t->nthreads ? &t->threads[ti] : NULL;
	struct pm_siginfo si = { 0 };
	bool have = true;          /* a siginfo: code and address are known */
	if (th && th->has_siginfo && th->si.signo) {
		si = th->si;
	} else if (t->has_siginfo) {
		si = t->siginfo;
	} else {
		have = false;
		si.signo = th ? th->cursig : 0;
	}
	pm_json_object(j);
	pm_json_kint(j, "number", si.signo);
	pm_json_kstr(j, "name", pm_signal_name(si.signo));
	pm_json_key(j, "code");
	if (have)
		pm_json_int(j, si.code);
	else
		pm_json_null(j);
	pm_json_kstr(j, "code_name", have ? pm_sicode_name(si.signo, si.code) : NULL);
	pm_json_key(j, "address");
	if (have && pm_signal_has_addr(si.signo, si.code))
		pm_json_hex(j, si.addr);
	else
		pm_json_null(j);
	pm_json_object_end(j);
}

static void frame_obj(struct pm_json *j, struct pmdb *db, const struct pm_frame *f)
{
	const struct pm_module_info *m = pm_module_at(db->dw, f->lookup_pc);
	pm_json_object(j);
	pm_json_khex(j, "pc", f->pc);
	pm_json_kstr(j, "function", f->func ? pm_sym_display(db->dw, f->func) : NULL);
	pm_json_key(j, "function_offset");
	if (f->func && f->has_off)
		pm_json_hex(j, f->func_off);
	else
		pm_json_null(j);
	pm_json_kstr(j, "module", m ? m->name : NULL);
	pm_json_kstr(j, "build_id", m && m->build_id[0] ? m->build_id : NULL);
	pm_json_key(j, "offset");
	if (m)
		pm_json_hex(j, f->pc - m->start);
	else
		pm_json_null(j);
	pm_json_kstr(j, "file", f->file);
	pm_json_key(j, "line");
	if (f->file)
		pm_json_int(j, f->line);
	else
		pm_json_null(j);
	pm_json_kbool(j, "inline", f->kind == PM_FRAME_INLINE);
	pm_json_kbool(j, "signal_frame", f->kind == PM_FRAME_SIGNAL);
	pm_json_object_end(j);
}

static void thread_obj(struct pm_json *j, struct pmdb *db, const struct pm_thread *th)
{
	const struct pm_arch *arch = db->t->arch;
	pm_json_object(j);
	pm_json_kint(j, "tid", th->tid);
	pm_json_key(j, "registers");
	pm_json_object(j);
	for (size_t r = 0; r < arch->nregs; r++)
		pm_json_khex(j, arch->regs[r].name, th->regs[r]);
	pm_json_object_end(j);
	struct pm_stack s;
	struct pm_err *err = pm_dwarf_stack(db->dw, th, &s);
	pm_json_key(j, "frames");
	pm_json_array(j);
	for (size_t i = 0; !err && i < s.nframes; i++)
		frame_obj(j, db, &s.frames[i]);
	pm_json_array_end(j);
	pm_json_kstr(j, "unwind_error", err ? err->msg : s.error);
	if (err)
		pm_err_free(err);
	else
		pm_stack_free(&s);
	pm_json_object_end(j);
}

static void mapping_obj(struct pm_json *j, const struct pm_mapping *m)
{
	char perms[4] = { m->prot & PF_R ? 'r' : '-', m->prot & PF_W ? 'w' : '-',
			  m->prot & PF_X ? 'x' : '-', 0 };
	pm_json_object(j);
	pm_json_khex(j, "start", m->start);
	pm_json_khex(j, "end", m->end);
	pm_json_kstr(j, "perms", perms);
	pm_json_kstr(j, "file", m->path);
	pm_json_khex(j, "offset", m->offset);
	pm_json_kstr(j, "label", m->label[0] ? m->label : NULL);
	pm_json_object_end(j);
}

static void module_obj(struct pm_json *j, const struct pm_module_info *m)
{
	pm_json_object(j);
	pm_json_kstr(j, "name", m->name);
	pm_json_khex(j, "start", m->start);
	pm_json_khex(j, "end", m->end);
	pm_json_kstr(j, "build_id", m->build_id[0] ? m->build_id : NULL);
	pm_json_kstr(j, "file", m->file);
	pm_json_kstr(j, "debug_file", m->debug_file);
	pm_json_object_end(j);
}

/* Facts in the order found; a key seen again keeps its first value. */
static void facts_obj(struct pm_json *j, const struct pm_verdict *v)
{
	pm_json_object(j);
	for (size_t i = 0; i < v->nfacts; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(v->facts[k].key, v->facts[i].key) == 0;
		if (!seen)
			pm_json_kstr(j, v->facts[i].key, v->facts[i].value);
	}
	pm_json_object_end(j);
}

void pm_report_verdict(struct pm_json *j, const struct pm_verdict *v,
		       const struct pm_signature *sig)
{
	pm_json_key(j, "verdict");
	pm_json_object(j);
	pm_json_kstr(j, "class", v->cls);
	pm_json_kstr(j, "summary", v->summary);
	pm_json_kstr(j, "cert", v->cert);
	pm_json_kstr(j, "cert_rating", v->cert_rating);
	pm_json_kint(j, "first_interesting_frame", (int64_t)v->first_interesting_frame);
	pm_json_key(j, "facts");
	facts_obj(j, v);
	pm_json_object_end(j);
	pm_json_key(j, "signature");
	pm_json_object(j);
	pm_json_kstr(j, "text", sig->text);
	pm_json_kstr(j, "hash", sig->hash);
	pm_json_object_end(j);
}

void pm_report_json(struct pmdb *db, const struct pm_verdict *v, const struct pm_signature *sig,
		    FILE *out)
{
	struct pm_target *t = db->t;
	struct pm_json j;
	pm_json_init(&j, out);
	pm_json_object(&j);
	pm_json_kstr(&j, "core", t->path);
	pm_json_kstr(&j, "executable", t->exe_path ? t->exe_path : t->exe_name);
	pm_json_kstr(&j, "argv", t->has_prpsinfo ? t->psargs : NULL);
	pm_json_kint(&j, "pid", t->pid);
	pm_json_key(&j, "signal");
	signal_obj(&j, t, v->thread);
	pm_json_kint(&j, "crashed_thread", v->thread < t->nthreads ? t->threads[v->thread].tid : 0);
	pm_json_key(&j, "threads");
	pm_json_array(&j);
	for (size_t i = 0; i < t->nthreads; i++)
		thread_obj(&j, db, &t->threads[i]);
	pm_json_array_end(&j);
	pm_json_key(&j, "mappings");
	pm_json_array(&j);
	for (size_t i = 0; i < t->nmaps; i++)
		mapping_obj(&j, &t->maps[i]);
	pm_json_array_end(&j);
	pm_json_key(&j, "modules");
	pm_json_array(&j);
	struct pm_module_info *mods;
	size_t n = pm_dwarf_modules(db->dw, &mods);
	for (size_t i = 0; i < n; i++)
		module_obj(&j, &mods[i]);
	pm_json_array_end(&j);
	pm_report_verdict(&j, v, sig);
	pm_json_object_end(&j);
	fputc('\n', out);
}
