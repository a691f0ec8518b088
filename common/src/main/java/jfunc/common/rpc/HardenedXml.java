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
        reader.setContentHandler(new DepthLimit(handler));
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

    /**
     * Elements nested deeper than this are refused: Apache XML-RPC's parsers recurse once per
     * level, so a reply nested 100,000 deep would otherwise end in a StackOverflowError.
     */
    static final int MAX_DEPTH = 256;

    /** Passes everything on, counting element depth. */
    private static final class DepthLimit implements ContentHandler {
        private final ContentHandler next;
        private int depth;

        DepthLimit(ContentHandler next) {
            this.next = next;
        }

        @Override
        public void startElement(String uri, String local, String qName, org.xml.sax.Attributes atts) throws SAXException {
            if (++depth > MAX_DEPTH) {
                throw new SAXException("XML nested deeper than " + MAX_DEPTH + " elements");
            }
            next.startElement(uri, local, qName, atts);
        }

        @Override
        public void endElement(String uri, String local, String qName) throws SAXException {
            depth--;
            next.endElement(uri, local, qName);
        }

        @Override
        public void setDocumentLocator(org.xml.sax.Locator locator) {
            next.setDocumentLocator(locator);
        }

        @Override
        public void startDocument() throws SAXException {
            next.startDocument();
        }

        @Override
        public void endDocument() throws SAXException {
            next.endDocument();
        }

        @Override
        public void startPrefixMapping(String prefix, String uri) throws SAXException {
            next.startPrefixMapping(prefix, uri);
        }

        @Override
        public void endPrefixMapping(String prefix) throws SAXException {
            next.endPrefixMapping(prefix);
        }

        @Override
        public void characters(char[] ch, int start, int length) throws SAXException {
            next.characters(ch, start, length);
        }

        @Override
        public void ignorableWhitespace(char[] ch, int start, int length) throws SAXException {
            next.ignorableWhitespace(ch, start, length);
        }

        @Override
        public void processingInstruction(String target, String data) throws SAXException {
            next.processingInstruction(target, data);
        }

        @Override
        public void skippedEntity(String name) throws SAXException {
            next.skippedEntity(name);
        }
    }
}
