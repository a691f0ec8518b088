package jfunc.common.rpc;

import java.io.IOException;
import javax.xml.XMLConstants;
import javax.xml.parsers.SAXParserFactory;
import org.apache.xmlrpc.util.SAXParsers;
import org.xml.sax.ContentHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Installs, process-wide, the SAX parser factory Apache XML-RPC uses on both sides: no DTDs at
 * all (so no external entities, no entity expansion bombs, no server-side fetches: CVE-2016-5002),
 * secure processing limits on. Idempotent.
 */
final class HardenedXml {
    /** Parses one reader serves before it is replaced, which bounds what it keeps (its symbol table). */
    static final int READER_USES = 1000;
    private static final ThreadLocal<Reused> READERS = new ThreadLocal<>();
    private static final DefaultHandler NOBODY = new DefaultHandler();
    private static volatile boolean installed;

    private HardenedXml() {}

    /** A reader and how many parses it has served. */
    private static final class Reused {
        final XMLReader reader;
        int uses;

        Reused(XMLReader reader) {
            this.reader = reader;
        }
    }

    /**
     * Parses {@code in} with this thread's hardened reader, reused for up to {@value #READER_USES}
     * parses: a new reader costs about 40 us of CPU on a C1-only jfuncd and is a large share of the
     * garbage of a call. The handlers are let go afterwards, so no parsed message stays reachable.
     */
    static void parse(InputSource in, ContentHandler handler)
            throws SAXException, IOException, org.apache.xmlrpc.XmlRpcException {
        if (!installed) {   // checked before taking install()'s class lock: this runs on every message
            install();
        }
        Reused r = READERS.get();
        if (r == null || r.uses >= READER_USES) {
            r = new Reused(SAXParsers.newXMLReader());
            READERS.set(r);
        }
        r.uses++;
        XMLReader reader = r.reader;
        reader.setContentHandler(handler);
        reader.setErrorHandler(SilentErrors.INSTANCE);
        try {
            reader.parse(in);
        } finally {
            reader.setContentHandler(NOBODY);
        }
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(true);
            f.setValidating(false);
            f.setXIncludeAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParsers.setSAXParserFactory(f);
            installed = true;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a hardened XML parser", e);
        }
    }
}
