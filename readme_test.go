package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/atlas-backup/atlas-backup/internal/sandbox"
)

// The README's examples are a contract too: TestREADME runs them, and
// TestREADMECIRecipes checks its YAML.
//
// TestREADME reads README.md's fenced blocks in order and runs, against one
// sandbox on loopback (with its archive server), every command of every
// ```sh block, and every shell line of the GitHub Actions and GitLab CI
// recipes, as a user who started `atlas-backup sandbox` and went through the
// README would. The rules, which the README states where it uses them:
//
//   - `atlas-backup` and `./atlas-backup` are the test binary (runAtlasBackup),
//     with the sandbox's demo credentials in the environment, a config file
//     kept from one command to the next, in a temporary working directory.
//   - A command must exit 0, unless its comment starts with "exit N" (`# exit 2
//     without a terminal: …`); an expected 2 must not be a typo (unknown flag,
//     command or arguments).
//   - Continuation lines are joined; `|` into jq, `> FILE`, `2> FILE`,
//     `NAME=$(…)` and `$NAME` work as in sh, `$(( $(date +%s) - N ))` too.
//     Anything else of the shell (&&, ;, stdin) is refused, so that a new
//     README line gets a decision here.
//   - A literal job ID after `export get|describe|watch` or `restore
//     get|describe|watch|download|cancel` stands for the newest such job of
//     the command's --cluster (newest download restore for `restore
//     download`): job IDs hold the time they were made, so the README's cannot
//     be the sandbox's. The README says so where it uses them.
//   - Not run, and logged: `go …` (building and testing), `curl …` (it talks to
//     `atlas-backup sandbox` on its fixed port), `export …` (the test's
//     environment stands in), `atlas-backup sandbox …` (a server that runs
//     until Ctrl-C: its flag values are checked instead), and under -short the
//     `--sandbox` commands (their jobs take 3 s).
//   - A ```yaml or ```json block whose first line is `# PATH` is written to PATH
//     in the working directory first, so a `--file PATH` command can use it.
//   - The CI recipes run in a fresh directory each, with the variables and
//     secrets they name mapped to sandbox values (ciExpressions, gitlabVariables);
//     the files they upload as artifacts must be there afterwards, and JSON
//     ones valid.
//
// It changes the working directory (t.Chdir), so it cannot be parallel.
func TestREADME(t *testing.T) {
	if !filepath.IsAbs(os.Args[0]) {
		t.Fatalf("the test binary's path %q is relative: it would not be found from the README's working directory", os.Args[0])
	}
	fences := readmeFences(t)
	sb, env := startSandbox(t, "keys", sandbox.WithJobDuration(0), sandbox.WithArchiveSize(256<<10), sandbox.WithRetryAfter(0))
	creds := sb.Credentials()

	work := t.TempDir()
	shell := &readmeShell{t: t, api: sb.api.URL, token: creds.AccessToken, vars: map[string]string{}, env: append(env,
		"ATLAS_BACKUP_CONFIG="+filepath.Join(work, "config", "config.yaml"),
		"GORACE="+raceNoExitSleep,
		sandboxJobsEndEnv+"=1", // the --sandbox of the quick start: its jobs end at once
	)}
	ran := 0
	for _, f := range fences {
		switch {
		case f.lang == "sh":
			t.Chdir(work)
			for _, l := range f.lines() {
				ran += shell.line(l)
			}
		case f.lang == "yaml" || f.lang == "json":
			name := f.fileName()
			if name == "" {
				continue
			}
			t.Chdir(work)
			writeFile(t, name, f.text())
			if ci := f.ciRecipe(t, creds); ci != nil {
				t.Chdir(t.TempDir())
				ran += ci.run(t, shell)
			}
		}
	}
	if ran < 20 {
		t.Errorf("ran %d README commands; want 20 or more: is the README runner still finding them?", ran)
	}
}

// TestREADMECIRecipes checks that every ```yaml block of the README is valid
// YAML, that the CI recipes have the shape their systems need, and, when
// actionlint is on PATH, lints the GitHub workflows with it:
// scripts/lint-readme-ci installs it in a temporary directory and runs this
// test with ATLAS_BACKUP_REQUIRE_ACTIONLINT=1.
func TestREADMECIRecipes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var workflows []string
	for _, f := range readmeFences(t) {
		if f.lang != "yaml" {
			continue
		}
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(f.text()), &doc); err != nil {
			t.Errorf("README.md:%d: not valid YAML: %v", f.line, err)
			continue
		}
		var top map[string]any
		if err := yaml.Unmarshal([]byte(f.text()), &top); err != nil {
			t.Errorf("README.md:%d: %v", f.line, err)
			continue
		}
		switch name := f.fileName(); {
		case strings.HasPrefix(name, ".github/workflows/"):
			checkGitHubWorkflow(t, f.line, top)
			path := filepath.Join(dir, ".github", "workflows", filepath.Base(name))
			if slices.Contains(workflows, path) {
				t.Errorf("README.md:%d: a second workflow named %s", f.line, name)
			}
			workflows = append(workflows, path)
			os.MkdirAll(filepath.Dir(path), 0o755)
			writeFile(t, path, f.text())
		case name == ".gitlab-ci.yml":
			checkGitLabCI(t, f.line, top)
		}
	}
	if len(workflows) < 2 {
		t.Errorf("found %d GitHub workflows in the README; want the nightly export and the export recipe", len(workflows))
	}
	actionlint, err := exec.LookPath("actionlint")
	if err != nil {
		if os.Getenv("ATLAS_BACKUP_REQUIRE_ACTIONLINT") != "" {
			t.Fatalf("ATLAS_BACKUP_REQUIRE_ACTIONLINT is set, and actionlint is not on PATH: %v", err)
		}
		t.Logf("actionlint is not on PATH, so the workflows were not linted; scripts/lint-readme-ci installs it and runs this test")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rel := make([]string, len(workflows))
	for i, w := range workflows {
		rel[i], _ = filepath.Rel(dir, w)
	}
	c := exec.CommandContext(ctx, actionlint, append([]string{"-verbose"}, rel...)...)
	c.Dir = dir // actionlint finds the repository by its .github/workflows
	out, err := c.CombinedOutput()
	if err != nil {
		t.Errorf("actionlint %s: %v\n%s", strings.Join(rel, " "), err, out)
	} else {
		t.Logf("actionlint: no problems in %s\n%s", strings.Join(rel, " "), out)
	}
}

func checkGitHubWorkflow(t *testing.T, line int, top map[string]any) {
	t.Helper()
	if _, ok := top["on"]; !ok {
		t.Errorf("README.md:%d: a GitHub workflow without on:", line)
	}
	jobs, _ := top["jobs"].(map[string]any)
	if len(jobs) == 0 {
		t.Errorf("README.md:%d: a GitHub workflow without jobs:", line)
	}
	for name, j := range jobs {
		job, _ := j.(map[string]any)
		if job["runs-on"] == nil {
			t.Errorf("README.md:%d: job %s has no runs-on", line, name)
		}
		if steps, _ := job["steps"].([]any); len(steps) == 0 {
			t.Errorf("README.md:%d: job %s has no steps", line, name)
		}
	}
}

func checkGitLabCI(t *testing.T, line int, top map[string]any) {
	t.Helper()
	jobs := 0
	for name, j := range top {
		job, ok := j.(map[string]any)
		if !ok || job["script"] == nil {
			continue
		}
		jobs++
		if _, ok := job["script"].([]any); !ok {
			t.Errorf("README.md:%d: job %s: script must be a list of commands", line, name)
		}
		if job["image"] == nil && top["image"] == nil && top["default"] == nil {
			t.Errorf("README.md:%d: job %s names no image to run in", line, name)
		}
	}
	if jobs == 0 {
		t.Errorf("README.md:%d: a .gitlab-ci.yml without a job (a map with script:)", line)
	}
}

// fence is a fenced block of README.md.
type fence struct {
	lang string
	line int      // of the opening fence, from 1
	body []string // the lines between the fences, without the fence's indentation
}

func readmeFences(t *testing.T) []fence {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []fence
	var cur *fence
	indent := ""
	for i, l := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fence{lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), line: i + 1}
			indent = l[:len(l)-len(strings.TrimLeft(l, " "))]
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.body = append(cur.body, strings.TrimPrefix(l, indent))
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: a fence that is never closed", cur.line)
	}
	return out
}

func (f fence) text() string { return strings.Join(f.body, "\n") + "\n" }

// fileName is the PATH of a block whose first line is "# PATH", else "".
func (f fence) fileName() string {
	if len(f.body) == 0 {
		return ""
	}
	name, ok := strings.CutPrefix(f.body[0], "# ")
	if !ok || !regexp.MustCompile(`^[A-Za-z0-9._-][A-Za-z0-9._/-]*$`).MatchString(name) || strings.Contains(name, "..") {
		return ""
	}
	return name
}

// cmdLine is one command of a block: its continuation lines joined.
type cmdLine struct {
	loc  string // README.md:LINE
	text string
}

func (f fence) lines() []cmdLine { return joinLines(f.body, f.line+1) }

func joinLines(lines []string, first int) []cmdLine {
	var out []cmdLine
	var cur strings.Builder
	start := 0
	for i, l := range lines {
		if cur.Len() == 0 {
			start = first + i
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " \t"), `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, cmdLine{loc: fmt.Sprintf("README.md:%d", start), text: s})
		}
		cur.Reset()
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, cmdLine{loc: fmt.Sprintf("README.md:%d", start), text: s})
	}
	return out
}

// readmeShell runs README command lines: the little of sh that the README
// uses, and atlas-backup through runAtlasBackup.
type readmeShell struct {
	t     *testing.T
	api   string // the sandbox's base URL, for finding jobs
	token string // a Bearer token it accepts
	env   []string
	vars  map[string]string
	ran   int // atlas-backup commands run, $(…) ones included
}

// skipped is a line that is not run, and why.
type skipped struct{ why string }

func (s *skipped) Error() string { return s.why }

// exitMarker is a comment that states the exit code: "# exit 2 without a terminal: …".
var exitMarker = regexp.MustCompile(`^exit (\d+)\b`)

// line runs one command line, logs it or reports what went wrong, and
// returns how many atlas-backup commands ran.
func (s *readmeShell) line(l cmdLine) int {
	s.t.Helper()
	if strings.HasPrefix(l.text, "#") {
		return 0
	}
	began := time.Now()
	out, n, err := s.run(l.text, true)
	took := time.Since(began).Round(time.Millisecond)
	var skip *skipped
	switch {
	case errors.As(err, &skip):
		s.t.Logf("%s: not run (%s): %s", l.loc, skip.why, l.text)
	case err != nil:
		s.t.Errorf("%s: %s\n%v", l.loc, l.text, err)
	default:
		s.t.Logf("%s: ok in %s: %s\n%s", l.loc, took, l.text, indent(out))
	}
	return n
}

// run runs a command line and returns its stdout and how many atlas-backup
// commands ran. top is false for a $(…) substitution, whose comment (there
// is none) cannot state an exit code.
func (s *readmeShell) run(text string, top bool) (string, int, error) {
	toks, comment, err := shSplit(text)
	if err != nil {
		return "", 0, err
	}
	expect := 0
	if m := exitMarker.FindStringSubmatch(comment); top && m != nil {
		expect, _ = strconv.Atoi(m[1])
	}
	if len(toks) == 0 {
		return "", 0, nil
	}
	var stages [][]shToken
	var stdoutFile, stderrFile string
	var cur []shToken
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if !tok.op {
			cur = append(cur, tok)
			continue
		}
		switch tok.text {
		case "|":
			stages, cur = append(stages, cur), nil
		case ">", "2>":
			if i+1 >= len(toks) || toks[i+1].op {
				return "", 0, fmt.Errorf("%s without a file name", tok.text)
			}
			i++
			name, err := s.expand(toks[i].text)
			if err != nil {
				return "", 0, err
			}
			if tok.text == ">" {
				stdoutFile = name
			} else {
				stderrFile = name
			}
		case "<":
			return "", 0, errors.New("< FILE: runAtlasBackup gives a command no stdin; the README's sh blocks cannot use one")
		}
	}
	stages = append(stages, cur)
	if slices.ContainsFunc(stages, func(st []shToken) bool { return len(st) == 0 }) {
		return "", 0, errors.New("an empty command in a pipeline")
	}
	first := stages[0][0].text
	if m := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`).FindStringSubmatch(first); m != nil {
		if len(stages) > 1 || len(stages[0]) > 1 {
			return "", 0, errors.New("NAME=VALUE before a command is not supported")
		}
		before := s.ran
		v, err := s.expand(m[2])
		if err != nil {
			return "", s.ran - before, err
		}
		s.vars[m[1]] = v
		return m[1] + "=" + v, s.ran - before, nil
	}
	if why, ok := notRun[first]; ok {
		return "", 0, &skipped{why}
	}

	before := s.ran
	var out, errOut string
	for i, st := range stages {
		if i == 0 {
			st = s.jobID(st)
		}
		args := make([]string, len(st))
		for j, tok := range st {
			if args[j], err = s.expand(tok.text); err != nil {
				return "", s.ran - before, err
			}
		}
		switch prog := args[0]; {
		case prog == "atlas-backup" || prog == "./atlas-backup":
			if i > 0 {
				return "", s.ran - before, errors.New("atlas-backup reading a pipe: runAtlasBackup gives no stdin")
			}
			res, err := s.atlasBackup(args[1:], expect)
			if err != nil {
				return "", s.ran - before, err
			}
			out, errOut = res.stdout, res.stderr
		case prog == "jq":
			if _, err := exec.LookPath("jq"); err != nil {
				return "", s.ran - before, &skipped{"jq is not installed; the atlas-backup command before it did run"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c := exec.CommandContext(ctx, "jq", args[1:]...)
			if i > 0 {
				c.Stdin = strings.NewReader(out)
			}
			b, err := c.Output()
			cancel()
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					err = fmt.Errorf("%w: %s", err, ee.Stderr)
				}
				return "", s.ran - before, fmt.Errorf("jq %s: %w\ninput:\n%s", strings.Join(args[1:], " "), err, out)
			}
			out = string(b)
		case prog == "date" && len(args) == 2 && args[1] == "+%s":
			out = strconv.FormatInt(time.Now().Unix(), 10) + "\n"
		default:
			return "", s.ran - before, fmt.Errorf("%s is not a command the README runner knows: run it here, or add it to notRun with the reason", prog)
		}
	}
	if stdoutFile != "" {
		writeFile(s.t, stdoutFile, out)
	}
	if stderrFile != "" {
		writeFile(s.t, stderrFile, errOut)
	}
	return out, s.ran - before, nil
}

// notRun are the programs whose lines are not run, with the reason.
var notRun = map[string]string{
	"go":     "builds or tests the code",
	"curl":   "talks to atlas-backup sandbox on its fixed port",
	"export": "the test's environment stands in for it",
}

// atlasBackup runs one atlas-backup command and checks its exit code.
func (s *readmeShell) atlasBackup(args []string, expect int) (cliResult, error) {
	if len(args) > 0 && args[0] == "sandbox" {
		if err := checkSandboxFlags(args[1:]); err != nil {
			return cliResult{}, err
		}
		return cliResult{}, &skipped{"a server that runs until Ctrl-C; its flag values were checked"}
	}
	if slices.Contains(args, "--sandbox") && testing.Short() {
		return cliResult{}, &skipped{"-short: a --sandbox job takes 3 s"}
	}
	s.ran++
	res := runAtlasBackup(s.t, s.env, args...)
	if res.code != expect {
		return res, fmt.Errorf("exit %d, want %d\n%s", res.code, expect, res)
	}
	if expect == 2 {
		for _, typo := range []string{"unknown flag", "unknown shorthand", "unknown command", "argument(s)", "flag needs an argument"} {
			if strings.Contains(res.stderr, typo) {
				return res, fmt.Errorf("exit 2 as the README says, but for a mistake in the command itself:\n%s", res)
			}
		}
	}
	return res, nil
}

// jobVerbs are the commands whose argument is a job ID, with the kind of job.
var jobVerbs = map[string]string{
	"export get": "exports", "export describe": "exports", "export watch": "exports",
	"restore get": "restoreJobs", "restore describe": "restoreJobs", "restore watch": "restoreJobs",
	"restore cancel": "restoreJobs", "restore download": "restoreJobs",
}

var literalID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// jobID replaces the literal job ID of a job command with the ID of the
// newest job of its kind on its cluster.
func (s *readmeShell) jobID(st []shToken) []shToken {
	if len(st) < 4 || !literalID.MatchString(st[3].text) {
		return st
	}
	prog := st[0].text
	kind, ok := jobVerbs[st[1].text+" "+st[2].text]
	if !ok || prog != "atlas-backup" && prog != "./atlas-backup" {
		return st
	}
	cluster := ""
	for i, tok := range st {
		if v, ok := strings.CutPrefix(tok.text, "--cluster="); ok {
			cluster = v
		} else if (tok.text == "--cluster" || tok.text == "--clusterName") && i+1 < len(st) {
			cluster = st[i+1].text
		}
	}
	id, err := s.newestJob(kind, cluster, st[2].text == "download")
	if err != nil {
		s.t.Errorf("finding the job that %s stands for: %v", st[3].text, err)
		return st
	}
	out := slices.Clone(st)
	out[3].text = id
	return out
}

// newestJob asks the sandbox for the newest job of a kind on a cluster.
func (s *readmeShell) newestJob(kind, cluster string, download bool) (string, error) {
	if cluster == "" {
		return "", errors.New("the command names no --cluster")
	}
	u := s.api + "/api/atlas/v2/groups/" + sandbox.DemoProjectID + "/clusters/" + url.PathEscape(cluster) + "/backup/" + kind + "?itemsPerPage=500"
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list struct {
		Results []struct {
			ID           string `json:"id"`
			DeliveryType string `json:"deliveryType"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s, %v", u, resp.Status, err)
	}
	for _, j := range list.Results { // newest first
		if !download || j.DeliveryType == "download" {
			return j.ID, nil
		}
	}
	return "", fmt.Errorf("cluster %s has no %s job yet: an earlier README command must make one", cluster, kind)
}

// checkSandboxFlags checks the values of an `atlas-backup sandbox` line.
func checkSandboxFlags(args []string) error {
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(args[i], "=")
		if name == "-q" || name == "--quiet" {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return fmt.Errorf("sandbox %s needs a value", name)
			}
			i++
			val = args[i]
		}
		var err error
		switch name {
		case "--fault":
			_, err = sandbox.ParseFault(val)
		case "--export-outcome", "--restore-outcome":
			_, err = sandbox.ParseOutcome(val, name == "--restore-outcome")
		case "--snapshot-outcome":
			_, err = sandbox.ParseSnapshotOutcome(val)
		case "--job-duration":
			_, err = time.ParseDuration(val)
		case "--clusters", "--retry-after":
			_, err = strconv.Atoi(val)
		case "--addr", "--archive-addr":
			_, _, err = net.SplitHostPort(val)
		case "--archive-size":
			if !regexp.MustCompile(`^[0-9]+(KiB|MiB|GiB)?$`).MatchString(val) {
				err = errors.New("want bytes, or a number with KiB, MiB or GiB")
			}
		default:
			err = errors.New("not a flag of atlas-backup sandbox that the README runner knows")
		}
		if err != nil {
			return fmt.Errorf("sandbox %s %s: %v", name, val, err)
		}
	}
	return nil
}

// shToken is a word as written (quotes and $ kept), or an operator: |, >, 2>, <.
type shToken struct {
	text string
	op   bool
}

// shSplit splits a command line into tokens and its comment.
func shSplit(s string) (toks []shToken, comment string, err error) {
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			toks = append(toks, shToken{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			return toks, strings.TrimSpace(s[i+1:]), nil
		case c == '|':
			if strings.HasPrefix(s[i:], "||") {
				return nil, "", errors.New("|| is not supported")
			}
			flush()
			toks = append(toks, shToken{text: "|", op: true})
		case c == '>':
			if strings.HasPrefix(s[i:], ">>") || strings.HasPrefix(s[i:], ">&") {
				return nil, "", errors.New(">> and >& are not supported")
			}
			if inWord && cur.String() == "2" {
				cur.Reset()
				inWord = false
				toks = append(toks, shToken{text: "2>", op: true})
			} else {
				flush()
				toks = append(toks, shToken{text: ">", op: true})
			}
		case c == '<':
			flush()
			toks = append(toks, shToken{text: "<", op: true})
		case c == ';' || c == '&' || c == '`':
			return nil, "", fmt.Errorf("%c is not supported: one command a line", c)
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, "", errors.New("an unclosed '")
			}
			cur.WriteString(s[i : i+j+2])
			inWord = true
			i += j + 1
		case c == '"':
			end, err := closeDouble(s, i)
			if err != nil {
				return nil, "", err
			}
			cur.WriteString(s[i : end+1])
			inWord = true
			i = end
		case c == '\\':
			if i+1 >= len(s) {
				return nil, "", errors.New(`a \ at the end of the line`)
			}
			cur.WriteString(s[i : i+2])
			inWord = true
			i++
		case c == '$' && strings.HasPrefix(s[i:], "$("):
			end, err := closeParen(s, i+1)
			if err != nil {
				return nil, "", err
			}
			cur.WriteString(s[i : end+1])
			inWord = true
			i = end
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return toks, "", nil
}

// closeParen returns the index of the ) that closes the ( at open.
func closeParen(s string, open int) (int, error) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return 0, errors.New("an unclosed '")
			}
			i += j + 1
		case '"':
			end, err := closeDouble(s, i)
			if err != nil {
				return 0, err
			}
			i = end
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i, nil
			}
		}
	}
	return 0, errors.New("an unclosed $(")
}

// closeDouble returns the index of the " that closes the one at open.
func closeDouble(s string, open int) (int, error) {
	for i := open + 1; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case s[i] == '"':
			return i, nil
		case strings.HasPrefix(s[i:], "$("):
			end, err := closeParen(s, i+1)
			if err != nil {
				return 0, err
			}
			i = end
		}
	}
	return 0, errors.New(`an unclosed "`)
}

// expand does what sh does to a word: quotes, backslashes, $NAME, ${NAME},
// $(…) and $((…)).
func (s *readmeShell) expand(w string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; c {
		case '\'':
			j := strings.IndexByte(w[i+1:], '\'')
			b.WriteString(w[i+1 : i+1+j])
			i += j + 1
		case '"':
			end, err := closeDouble(w, i)
			if err != nil {
				return "", err
			}
			v, err := s.expandQuoted(w[i+1 : end])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = end
		case '\\':
			i++
			b.WriteByte(w[i])
		case '$':
			v, n, err := s.dollar(w[i:])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// expandQuoted expands the inside of "…".
func (s *readmeShell) expandQuoted(w string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '\\' && i+1 < len(w) && strings.IndexByte("\"\\$`", w[i+1]) >= 0:
			i++
			b.WriteByte(w[i])
		case c == '$':
			v, n, err := s.dollar(w[i:])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

var varName = regexp.MustCompile(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// dollar expands the $ expression at the start of w, and says how many
// bytes it took.
func (s *readmeShell) dollar(w string) (string, int, error) {
	switch {
	case strings.HasPrefix(w, "$(("):
		end, err := closeParen(w, 1)
		if err != nil || w[end-1] != ')' {
			return "", 0, errors.New("an unclosed $((")
		}
		v, err := s.arith(w[3 : end-1])
		return v, end + 1, err
	case strings.HasPrefix(w, "$("):
		end, err := closeParen(w, 1)
		if err != nil {
			return "", 0, err
		}
		out, _, err := s.run(w[2:end], false) // s.ran counts its commands
		return strings.TrimRight(out, "\n"), end + 1, err
	}
	m := varName.FindStringSubmatch(w)
	if m == nil {
		return "$", 1, nil
	}
	name := m[1] + m[2]
	v, ok := s.vars[name]
	if !ok {
		return "", 0, fmt.Errorf("$%s is not set: an earlier README line must set it", name)
	}
	return v, len(m[0]), nil
}

// arith evaluates $((…)) of whole numbers with + and -.
func (s *readmeShell) arith(expr string) (string, error) {
	e, err := s.expandQuoted(expr)
	if err != nil {
		return "", err
	}
	total, sign, operand := int64(0), int64(1), false
	for _, f := range regexp.MustCompile(`\d+|[-+]|\S`).FindAllString(e, -1) {
		switch {
		case f == "+" || f == "-":
			if !operand {
				return "", fmt.Errorf("$((%s)): an operator where a number should be", expr)
			}
			sign, operand = map[string]int64{"+": 1, "-": -1}[f], false
		case f[0] >= '0' && f[0] <= '9' && !operand:
			n, _ := strconv.ParseInt(f, 10, 64)
			total, operand = total+sign*n, true
		default:
			return "", fmt.Errorf("$((%s)): only whole numbers, + and - are supported", expr)
		}
	}
	return strconv.FormatInt(total, 10), nil
}

// ciExpressions are what the GitHub recipes' ${{ … }} stand for, here.
func ciExpressions(c sandbox.Credentials) map[string]string {
	return map[string]string{
		"vars.ATLAS_PROJECT_ID":       sandbox.DemoProjectID,
		"vars.ATLAS_CLUSTER":          sandbox.DemoCluster,
		"vars.ATLAS_EXPORT_BUCKET":    sandbox.DemoBucketName,
		"secrets.ATLAS_CLIENT_ID":     c.ClientID,
		"secrets.ATLAS_CLIENT_SECRET": c.ClientSecret,
	}
}

// githubVariables are variables GitHub sets in every step, here.
var githubVariables = map[string]string{"GITHUB_RUN_ID": "1234567890", "GITHUB_REPOSITORY": "example/atlas-ops"}

// gitlabVariables are the CI/CD variables the GitLab recipe expects in the
// project's settings, here.
func gitlabVariables(c sandbox.Credentials) map[string]string {
	return map[string]string{
		"MONGODB_ATLAS_PROJECT_ID":    sandbox.DemoProjectID,
		"MONGODB_ATLAS_CLIENT_ID":     c.ClientID,
		"MONGODB_ATLAS_CLIENT_SECRET": c.ClientSecret,
		"ATLAS_CLUSTER":               sandbox.DemoCluster,
		"ATLAS_EXPORT_BUCKET":         sandbox.DemoBucketName,
		"CI_PIPELINE_ID":              "4242", // GitLab's own
		"CI_PIPELINE_SOURCE":          "schedule",
	}
}

// ciRecipe is the shell of a CI recipe: its steps' commands, their
// environment, and the files it keeps as artifacts.
type ciRecipe struct {
	name  string
	line  int
	steps []ciStep
}

type ciStep struct {
	env       map[string]string
	commands  []cmdLine
	artifacts []string
}

// ciRecipe reads a block that is a GitHub workflow or a .gitlab-ci.yml; nil
// for any other block.
func (f fence) ciRecipe(t *testing.T, creds sandbox.Credentials) *ciRecipe {
	t.Helper()
	name := f.fileName()
	r := &ciRecipe{name: name, line: f.line}
	lines := func(script string) []cmdLine {
		out := joinLines(strings.Split(strings.TrimRight(script, "\n"), "\n"), 0)
		for i := range out {
			out[i].loc = fmt.Sprintf("README.md:%d (%s)", f.line, name)
		}
		return out
	}
	switch {
	case strings.HasPrefix(name, ".github/workflows/"):
		var wf struct {
			Env  map[string]string
			Jobs map[string]struct {
				Env   map[string]string
				Steps []struct {
					Run  string
					Uses string
					Env  map[string]string
					With map[string]any
				}
			}
		}
		if err := yaml.Unmarshal([]byte(f.text()), &wf); err != nil {
			t.Errorf("README.md:%d: %v", f.line, err)
			return nil
		}
		exprs := ciExpressions(creds)
		resolve := func(env map[string]string, into map[string]string) {
			for k, v := range env {
				if m := regexp.MustCompile(`^\$\{\{\s*(.*?)\s*\}\}$`).FindStringSubmatch(v); m != nil {
					var ok bool
					if v, ok = exprs[m[1]]; !ok {
						t.Errorf("README.md:%d: %s: ${{ %s }} has no sandbox value in ciExpressions", f.line, k, m[1])
					}
				}
				into[k] = v
			}
		}
		for _, jobName := range sortedKeys(wf.Jobs) {
			job := wf.Jobs[jobName]
			for _, st := range job.Steps {
				env := maps.Clone(githubVariables)
				resolve(wf.Env, env)
				resolve(job.Env, env)
				resolve(st.Env, env)
				step := ciStep{env: env}
				if strings.Contains(st.Run, "${{") {
					t.Errorf("README.md:%d: job %s: a run: script with ${{ … }} in it; pass it through env: instead", f.line, jobName)
				}
				if st.Run != "" {
					step.commands = lines(st.Run)
				}
				if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
					p, _ := st.With["path"].(string)
					step.artifacts = strings.Fields(p)
				}
				r.steps = append(r.steps, step)
			}
		}
	case name == ".gitlab-ci.yml":
		var top map[string]any
		if err := yaml.Unmarshal([]byte(f.text()), &top); err != nil {
			t.Errorf("README.md:%d: %v", f.line, err)
			return nil
		}
		global := strMap(top["variables"])
		for _, jobName := range sortedKeys(top) {
			job, ok := top[jobName].(map[string]any)
			if !ok || job["script"] == nil {
				continue
			}
			env := gitlabVariables(creds)
			for k, v := range global {
				env[k] = v
			}
			for k, v := range strMap(job["variables"]) {
				env[k] = v
			}
			step := ciStep{env: env}
			for _, key := range []string{"before_script", "script"} {
				cmds, _ := job[key].([]any)
				for _, c := range cmds {
					cs, _ := c.(string)
					step.commands = append(step.commands, lines(cs)...)
				}
			}
			if a, ok := job["artifacts"].(map[string]any); ok {
				paths, _ := a["paths"].([]any)
				for _, p := range paths {
					step.artifacts = append(step.artifacts, fmt.Sprint(p))
				}
			}
			r.steps = append(r.steps, step)
		}
	default:
		return nil
	}
	return r
}

// run runs the recipe's commands in the current directory, against the
// shell's sandbox, with the recipe's environment instead of the shell's, and
// returns how many atlas-backup commands ran.
func (r *ciRecipe) run(t *testing.T, sh *readmeShell) int {
	t.Helper()
	n := 0
	for _, st := range r.steps {
		ci := &readmeShell{t: t, api: sh.api, token: sh.token, vars: map[string]string{},
			env: []string{"MONGODB_ATLAS_BASE_URL=" + sh.api, "GORACE=" + raceNoExitSleep}}
		for _, k := range sortedKeys(st.env) {
			ci.env = append(ci.env, k+"="+st.env[k])
			ci.vars[k] = st.env[k]
		}
		for _, c := range st.commands {
			n += ci.line(c)
		}
		for _, a := range st.artifacts {
			b, err := os.ReadFile(a)
			switch {
			case err != nil:
				t.Errorf("README.md:%d (%s): the artifact %s was not made: %v", r.line, r.name, a, err)
			case strings.HasSuffix(a, ".json") && !json.Valid(b):
				t.Errorf("README.md:%d (%s): the artifact %s is not JSON:\n%s", r.line, r.name, a, b)
			}
		}
	}
	if n == 0 {
		t.Errorf("README.md:%d (%s): no atlas-backup command in the recipe ran", r.line, r.name)
	}
	return n
}

func strMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := map[string]string{}
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// indent shows a command's output under its line in the log, at most 10 lines.
func indent(s string) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	for n := 0; sc.Scan(); n++ {
		if n == 10 {
			b.WriteString("    …\n")
			break
		}
		b.WriteString("    " + sc.Text() + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
