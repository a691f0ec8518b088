package jfunc.common.rpc;

import javax.xml.XMLConstants;
import javax.xml.parsers.SAXParserFactory;
import org.apache.xmlrpc.util.SAXParsers;

/**
 * Installs, process-wide, the SAX parser factory Apache XML-RPC uses on both sides: no DTDs at
 * all (so no external entities, no entity expansion bombs, no server-side fetches: CVE-2016-5002),
 * secure processing limits on. Idempotent.
 */
final class HardenedXml {
    private static volatile boolean installed;

    private HardenedXml() {}

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
