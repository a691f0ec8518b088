/** The minion side of enrolment: {@link jfunc.certs.enrol.EnrolmentClient} (used by jfuncd). */
package jfunc.certs.enrol;
