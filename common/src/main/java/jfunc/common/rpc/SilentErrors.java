package jfunc.common.rpc;

import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXParseException;

/** Turns XML errors into exceptions only: the default handler also prints them to stderr. */
final class SilentErrors implements ErrorHandler {
    static final SilentErrors INSTANCE = new SilentErrors();

    @Override
    public void warning(SAXParseException e) {}

    @Override
    public void error(SAXParseException e) throws SAXParseException {
        throw e;
    }

    @Override
    public void fatalError(SAXParseException e) throws SAXParseException {
        throw e;
    }
}
