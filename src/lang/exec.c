/* Command lines: commands separated by ';' or newlines, each a pipeline
 * of stages joined by '|', optionally ending in '! shell command'.  A
 * stage is  [addr] [,count] verb  where verb is ::dcmd args, $X args,
 * /fmt, =fmt or nothing.  Later stages of a pipeline run once per value
 * the stage before printed (one per line), with dot set to it. */
#include "expr.h"
#include "format.h"
#include "vars.h"
#include "../base/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum verb { V_NONE, V_DCMD, V_FMT_SLASH, V_FMT_OBJ, V_FMT_PHYS, V_FMT_EQ, V_WRITE, V_ASSIGN };

struct stage {
	char *addr_expr, *count_expr;
	enum verb verb;
	char *name;          /* dcmd name, format, variable, or written format */
	char cast;           /* >/c/name: the size letter, or 0 */
	int argc;
	char **argv;
};

struct pipeline {
	struct stage *stages;
	size_t n, cap;
	char *shell;         /* '! cmd' tail, or NULL */
};

static void stage_free(struct stage *s)
{
	free(s->addr_expr);
	free(s->count_expr);
	free(s->name);
	for (int i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
}

static void pipeline_free(struct pipeline *p)
{
	for (size_t i = 0; i < p->n; i++)
		stage_free(&p->stages[i]);
	free(p->stages);
	free(p->shell);
}

static bool ends_command(char c)
{
	return c == 0 || c == ';' || c == '\n' || c == '|' || c == '!';
}

static size_t skip_ws(const char *s, size_t pos)
{
	while (s[pos] == ' ' || s[pos] == '\t')
		pos++;
	return pos;
}

/* Find the end of an expression without evaluating it. */
static struct pm_err *scan_expr(struct pmdb *db, const char *s, size_t *pos, char **text)
{
	struct pm_expr e = { db, s, *pos, false, NULL, 0 };
	if (!pm_expr_parse(&e, NULL))
		return e.err;
	*text = xstrndup(s + *pos, e.pos - *pos);
	*pos = e.pos;
	return NULL;
}

/* Words up to the end of the command; quotes group words. */
static struct pm_err *scan_args(const char *s, size_t *pos, struct stage *st)
{
	size_t cap = 0;
	for (;;) {
		/* all white space separates words ('\v' too: a word never starts with it) */
		while (s[*pos] != '\n' && isspace((unsigned char)s[*pos]))
			(*pos)++;
		char c = s[*pos];
		if (ends_command(c))
			return NULL;
		char *w = xmalloc(strlen(s + *pos) + 1);
		size_t n = 0;
		while (s[*pos] && !isspace((unsigned char)s[*pos]) && !ends_command(s[*pos])) {
			char q = s[*pos];
			if (q == '"' || q == '\'') {
				const char *close = strchr(s + *pos + 1, q);
				if (!close) {
					free(w);
					return pm_err_new(PM_ERR_SYNTAX, "syntax error: unterminated quote");
				}
				size_t len = (size_t)(close - (s + *pos + 1));
				memcpy(w + n, s + *pos + 1, len);
				n += len;
				*pos += len + 2;
				continue;
			}
			w[n++] = s[(*pos)++];
		}
		w[n] = 0;
		vec_reserve(&st->argv, &cap, (size_t)st->argc + 2, sizeof(*st->argv));
		st->argv[st->argc++] = w;
		st->argv[st->argc] = NULL;
	}
}

static struct pm_err *parse_stage(struct pmdb *db, const char *s, size_t *pos, struct stage *st)
{
	struct pm_err *err;
	memset(st, 0, sizeof(*st));
	*pos = skip_ws(s, *pos);
	if (pm_expr_starts(s + *pos) && !(s[*pos] == '$')) {
		if ((err = scan_expr(db, s, pos, &st->addr_expr)))
			return err;
		*pos = skip_ws(s, *pos);
	}
	if (s[*pos] == ',') {
		(*pos)++;
		if ((err = scan_expr(db, s, pos, &st->count_expr)))
			return err;
		*pos = skip_ws(s, *pos);
	}
	char c = s[*pos];
	if (c == ':' && s[*pos + 1] == ':') {
		*pos += 2;
		size_t start = *pos;
		while (isalnum((unsigned char)s[*pos]) || s[*pos] == '_')
			(*pos)++;
		if (*pos == start)
			return pm_err_new(PM_ERR_SYNTAX, "syntax error: dcmd name expected after '::'");
		st->verb = V_DCMD;
		st->name = xstrndup(s + start, *pos - start);
	} else if (c == '$') {
		if (!s[*pos + 1] || isspace((unsigned char)s[*pos + 1]))
			return pm_err_new(PM_ERR_SYNTAX, "syntax error: command letter expected after '$'");
		size_t len = s[*pos + 1] == '<' && s[*pos + 2] == '<' ? 3 : 2;
		st->verb = V_DCMD;
		st->name = xstrndup(s + *pos, len);
		*pos += len;
	} else if (c == '/' || c == '?' || c == '\\' || c == '=') {
		size_t p = skip_ws(s, *pos + 1);
		if (c != '=' && pm_format_writes(s[p])) {
			/* addr/W value ...: a write, its values as arguments */
			st->verb = V_WRITE;
			st->name = xstrndup(s + p, 1);
			*pos = p + 1;
		} else {
			st->verb = c == '/' ? V_FMT_SLASH : c == '?' ? V_FMT_OBJ : c == '\\' ? V_FMT_PHYS : V_FMT_EQ;
			size_t start = ++*pos;
			while (s[*pos] && !isspace((unsigned char)s[*pos]) && !ends_command(s[*pos]))
				(*pos)++;
			st->name = xstrndup(s + start, *pos - start);
			return NULL;
		}
	} else if (c == '>') {
		(*pos)++;
		if (s[*pos] == '/' && s[*pos + 1] && s[*pos + 2] == '/') {
			st->cast = s[*pos + 1];
			if (!strchr("csil1248", st->cast))
				return pm_err_new(PM_ERR_SYNTAX, "syntax error: invalid cast '>/%c/'", st->cast);
			*pos += 3;
		}
		*pos = skip_ws(s, *pos);
		size_t start = *pos;
		while (isalnum((unsigned char)s[*pos]) || s[*pos] == '_')
			(*pos)++;
		if (*pos == start)
			return pm_err_new(PM_ERR_SYNTAX, "syntax error: variable name expected after '>'");
		st->verb = V_ASSIGN;
		st->name = xstrndup(s + start, *pos - start);
		return NULL;
	} else if (c == ':' && isalpha((unsigned char)s[*pos + 1]) &&
		   !isalnum((unsigned char)s[*pos + 2]) && s[*pos + 2] != '_') {
		/* mdb's run-control verbs: :r :c :s :e :b :k :i */
		st->verb = V_DCMD;
		st->name = xstrndup(s + *pos, 2);
		*pos += 2;
	} else if (c == ':' || c == '[' ) {
		return pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.*s': unsupported command",
				  pm_near_len(s + *pos), s + *pos);
	} else if (!ends_command(c)) {
		return pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.*s'", pm_near_len(s + *pos), s + *pos);
	} else {
		st->verb = V_NONE;
		return NULL;
	}
	size_t cap = 0;
	vec_reserve(&st->argv, &cap, 2, sizeof(*st->argv));
	st->argv[0] = xstrdup(st->name);
	st->argv[1] = NULL;
	st->argc = 1;
	bool macro = strcmp(st->name, "$<") == 0 || strcmp(st->name, "$<<") == 0;
	if (!macro && s[*pos] && !isspace((unsigned char)s[*pos]) && !ends_command(s[*pos]))
		return pm_err_new(PM_ERR_SYNTAX, "syntax error near '%.*s'", pm_near_len(s + *pos), s + *pos);
	return scan_args(s, pos, st);
}

static struct pm_err *parse_pipeline(struct pmdb *db, const char *s, size_t *pos, struct pipeline *p)
{
	memset(p, 0, sizeof(*p));
	for (;;) {
		vec_reserve(&p->stages, &p->cap, p->n + 1, sizeof(*p->stages));
		struct pm_err *err = parse_stage(db, s, pos, &p->stages[p->n]);
		p->n++;
		if (err)
			return err;
		char c = s[*pos];
		if (c == '|') {
			(*pos)++;
			continue;
		}
		if (c == '!') {
			size_t start = ++*pos;
			while (s[*pos] && s[*pos] != '\n')
				(*pos)++;
			p->shell = xstrndup(s + start, *pos - start);
		}
		return NULL;
	}
}

/* >/c/name keeps the low 1, 2, 4 or 8 bytes. */
static uint64_t cast_value(uint64_t v, char cast)
{
	switch (cast) {
	case 'c': case '1': return v & 0xff;
	case 's': case '2': return v & 0xffff;
	case 'i': case '4': return v & 0xffffffff;
	default: return v;
	}
}

static struct pm_err *run_stage(struct pmdb *db, const struct stage *st, bool has_dot,
				uint64_t dot, bool in_pipe)
{
	struct pm_call call = { .in_pipe = in_pipe };
	struct pm_err *err;
	if (st->addr_expr) {
		if ((err = pm_eval_expr(db, st->addr_expr, &call.addr)))
			return err;
		call.has_addr = true;
	} else if (has_dot) {
		call.addr = dot;
		call.has_addr = true;
	}
	if (call.has_addr)
		db->dot = call.addr;
	if (st->count_expr) {
		if ((err = pm_eval_expr(db, st->count_expr, &call.count)))
			return err;
		call.has_count = true;
	}
	if (st->verb != V_NONE)
		db->dcmd_dot = db->dot;
	uint64_t count = call.has_count ? call.count : 1;
	switch (st->verb) {
	case V_NONE:
		return NULL;
	case V_FMT_SLASH:
	case V_FMT_OBJ:
	case V_FMT_PHYS:
	case V_FMT_EQ: {
		enum pm_fmt_source src = st->verb == V_FMT_SLASH ? PM_FMT_MEMORY
				       : st->verb == V_FMT_OBJ ? PM_FMT_OBJECT
				       : st->verb == V_FMT_PHYS ? PM_FMT_PHYS : PM_FMT_VALUE;
		return pm_format(db, st->name, src, db->dot, count);
	}
	case V_WRITE:
		return pm_err_new(PM_ERR_GENERIC, "cannot write at 0x%" PRIx64 " ('%c' writes): core files are read-only",
				  db->dot, st->name[0]);
	case V_ASSIGN:
		return pm_var_set(db, st->name, cast_value(db->dot, st->cast));
	case V_DCMD: {
		const struct pm_dcmd *dc = pm_dcmd_find(st->name);
		const char *prefix = st->name[0] == '$' || st->name[0] == ':' ? "" : "::";
		if (!dc)
			return pm_err_new(PM_ERR_LOOKUP, "unknown dcmd '%s%s'", prefix, st->name);
		if ((dc->flags & PM_NEEDS_TARGET) && !db->t)
			return pm_err_new(PM_ERR_LOOKUP, "%s%s: %s", prefix, st->name,
					  db->prog_argv ? "no process is running: :r starts the program"
							: "no core file is open");
		call.argc = st->argc;
		call.argv = st->argv;
		return dc->fn(db, &call);
	}
	}
	return NULL;
}

/* Values a stage printed, one per line: the first word of each line. */
static struct pm_err *collect_values(struct pmdb *db, char *text, uint64_t **vals, size_t *n)
{
	size_t cap = 0;
	*vals = NULL;
	*n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		while (isspace((unsigned char)*line))
			line++;
		if (!*line)
			continue;
		char *end = line;
		while (*end && !isspace((unsigned char)*end))
			end++;
		*end = 0;
		uint64_t v;
		struct pm_err *err = pm_eval_expr(db, line, &v);
		if (err) {
			pm_err_free(err);
			free(*vals);
			return pm_err_new(PM_ERR_SYNTAX, "pipeline: '%s' is not a value", line);
		}
		vec_reserve(vals, &cap, *n + 1, sizeof(**vals));
		(*vals)[(*n)++] = v;
	}
	return NULL;
}

static struct pm_err *run_pipeline(struct pmdb *db, const struct pipeline *p)
{
	FILE *saved = db->out;
	FILE *shell = NULL;
	struct pm_err *err = NULL;
	if (p->shell) {
		fflush(saved);
		shell = popen(p->shell, "w");
		if (!shell)
			return pm_err_new(PM_ERR_IO, "cannot run shell command '%s'", p->shell);
	}
	uint64_t *vals = NULL;
	size_t nvals = 0;
	for (size_t i = 0; i < p->n && !err; i++) {
		bool last = i + 1 == p->n;
		char *buf = NULL;
		size_t len = 0;
		FILE *out = last ? (shell ? shell : saved) : open_memstream(&buf, &len);
		if (!out) {
			err = pm_err_new(PM_ERR_NOMEM, "out of memory");
			break;
		}
		db->out = out;
		if (i == 0) {
			err = run_stage(db, &p->stages[i], false, 0, !last);
		} else {
			for (size_t k = 0; k < nvals && !err; k++)
				err = run_stage(db, &p->stages[i], true, vals[k], !last);
		}
		free(vals);
		vals = NULL;
		nvals = 0;
		if (!last) {
			fclose(out);
			if (!err)
				err = collect_values(db, buf, &vals, &nvals);
			free(buf);
		}
	}
	free(vals);
	db->out = saved;
	if (shell) {
		int st = pclose(shell);
		if (!err && st != 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			err = pm_err_new(PM_ERR_GENERIC, "shell command not found: %s", p->shell);
	}
	return err;
}

int pm_exec_line(struct pmdb *db, const char *line)
{
	size_t pos = 0;
	int failed = 0;
	while (line[pos] && !db->quit) {
		pos = skip_ws(line, pos);
		char c = line[pos];
		if (c == ';' || c == '\n') {
			pos++;
			continue;
		}
		if (c == 0)
			break;
		if (c == '/' && line[pos + 1] == '/') { /* comment to end of line */
			while (line[pos] && line[pos] != '\n')
				pos++;
			continue;
		}
		if (c == '!') { /* shell escape */
			size_t start = ++pos;
			while (line[pos] && line[pos] != '\n')
				pos++;
			char *cmd = xstrndup(line + start, pos - start);
			fflush(db->out);
			int st = system(cmd);
			free(cmd);
			if (st == -1) {
				pm_err_report(pm_err_new(PM_ERR_IO, "cannot run the shell"));
				failed++;
			}
			continue;
		}
		struct pipeline p;
		struct pm_err *err = parse_pipeline(db, line, &pos, &p);
		if (!err)
			err = run_pipeline(db, &p);
		pipeline_free(&p);
		if (err) {
			/* the rest of this line's command is unusable: skip to ';' */
			while (line[pos] && line[pos] != ';' && line[pos] != '\n')
				pos++;
			fflush(db->out);
			pm_err_report(err);
			failed++;
		}
	}
	return failed;
}

struct pm_err *pm_exec_nested(struct pmdb *db, const char *cmds)
{
	if (db->depth >= 32)
		return pm_err_new(PM_ERR_GENERIC, "commands nested too deeply (32 levels)");
	db->depth++;
	int failed = pm_exec_line(db, cmds);
	db->depth--;
	return failed ? pm_err_new(PM_ERR_REPORTED, "%d commands failed", failed) : NULL;
}
