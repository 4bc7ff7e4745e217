/*
 * refugectl report's parts: the rows read from the store (ctl_report.c),
 * written as text and CSV (ctl_report_text.c) or as a PDF with charts
 * (ctl_report_pdf.c).
 */
#ifndef REFUGE_CTL_REPORT_H
#define REFUGE_CTL_REPORT_H

#include <stdio.h>

#include "refuge/report.h"
#include "refuge/when.h"

struct ctl_report {
	struct stats_alarm	*alarms;	/* copies (stats_alarm_copy) */
	size_t			 count, cap;
	int			 failed;	/* out of memory while reading */
	const char		*site, *unit;	/* filters, or NULL */
	const char		*zone;		/* the local zone's name */
	char			 since[WHEN_LOCAL_LEN], until[WHEN_LOCAL_LEN];
	struct report		 fig;
};

/* EN 50518's targets for time to claim. */
#define CTL_TARGET_30S	0.80
#define CTL_TARGET_60S	0.985

const char	*ctl_report_met(const struct stats_percentiles *, double share,
		    double target);
double		 ctl_report_share(size_t part, size_t whole);

void	ctl_report_text(FILE *, const struct ctl_report *);
void	ctl_report_csv(FILE *, const struct ctl_report *);
void	ctl_report_rows(FILE *, const struct ctl_report *);
/* Writes the PDF to path ("-": standard output). 0, or -1 with err. */
int	ctl_report_pdf(const char *path, const struct ctl_report *, char *err,
	    size_t errlen);

#endif
