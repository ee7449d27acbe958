package jobs

import (
	"fmt"

	"github.com/atlas-backup/atlas-backup/internal/text"
)

// fmtNote formats a note whose values may come from Atlas (cluster and
// bucket names, job IDs and states): they are escaped.
func fmtNote(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = text.Escape(s)
		}
	}
	return fmt.Sprintf(format, args...)
}
