/*
 * Moments as people give and read them, in local time: the one grammar of
 * since/until for SEARCH, refugectl report and the other views, and the local
 * display of a time and an age. Local means the process's TZ, which
 * timenow_set_zone() sets from refuge.yaml's timezone: at start-up. Pure.
 */
#ifndef REFUGE_WHEN_H
#define REFUGE_WHEN_H

#include <stddef.h>
#include <stdint.h>

#define WHEN_LOCAL_LEN	40	/* "2026-12-02 10:15:18 GMT", with room */

/*
 * Parses text as one of:
 *   YYYY-MM-DD                      local midnight (as an end: the next one)
 *   YYYY-MM-DDTHH:MM[:SS]           local time ('T' or ' ')
 *   YYYY-MM-DDTHH:MM:SS[.mmm]Z      UTC, as the wire writes it
 *   today, yesterday                local midnight that began the day (as an
 *                                   end: the one that ended it)
 *   <n>h, <n>d                      n hours or days before now (n 1..100000)
 * end is 1 for an until (a whole day then ends the range), 0 for a since.
 * Returns 0 and unix milliseconds in *ms, or -1 when text is none of these.
 */
int		 when_parse(const char *text, int64_t now_ms, int end,
		    int64_t *ms);
/* What when_parse accepts, for error messages. */
extern const char when_grammar[];

/* "2026-12-02 10:15:18" in local time, to the second. */
void		 when_local(int64_t ms, char buf[WHEN_LOCAL_LEN]);
/* "just now", "42 s ago", "3 min ago", "2 h ago", "5 days ago"; "in 3 s" ahead. */
const char	*when_ago(int64_t ms, int64_t now_ms, char *buf, size_t len);
/* The local UTC offset at ms in seconds east of UTC (for the tests and reports). */
long		 when_offset(int64_t ms);

#endif
