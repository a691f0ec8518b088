package jfunc.certs.enrol;

/** Enrolment stopped; {@link #reason()} says why, the message says what to do. */
public final class EnrolmentException extends Exception {
    public enum Reason {
        /** The CA refused the request (the message is the CA's reason); retrying will not help. */
        REFUSED,
        /** The maximum wait passed before the certificate was signed. */
        TIMED_OUT,
        /** The CA could not be reached or did not answer (only from single calls like fetchCrl). */
        UNREACHABLE,
        /** The CA answered something that is not a valid enrolment answer, or a certificate that does not fit. */
        BAD_ANSWER,
        /** The minion's own files cannot be read or written (the message names the path). */
        LOCAL_FILES
    }

    private final Reason reason;

    public EnrolmentException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
