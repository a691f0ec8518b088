package jfunc.common.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/** The per-thread reused XML reader stays hardened and usable whatever it parsed before. */
class HardenedXmlTest {
    static final String GOOD = "<?xml version=\"1.0\"?><methodCall><methodName>test.ping</methodName></methodCall>";
    static final String DOCTYPE = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><methodCall>&a;</methodCall>";

    static int elements(String xml) throws Exception {
        AtomicInteger n = new AtomicInteger();
        HardenedXml.parse(new InputSource(new StringReader(xml)), new DefaultHandler() {
            @Override
            public void startElement(String uri, String local, String qName, Attributes atts) {
                n.incrementAndGet();
            }
        });
        return n.get();
    }

    @Test
    void aDoctypeIsRefusedEveryTimeAndTheReaderStillWorksAfter() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThrows(SAXException.class, () -> elements(DOCTYPE));
            assertThrows(SAXException.class, () -> elements("<methodCall><unclosed></methodCall>"));
            assertEquals(2, elements(GOOD));
        }
    }

    @Test
    void aReaderIsReplacedAfterItsUsesAndTheNewOneIsHardenedToo() throws Exception {
        for (int i = 0; i < HardenedXml.READER_USES + 5; i++) {
            assertEquals(2, elements(GOOD));
        }
        assertThrows(SAXException.class, () -> elements(DOCTYPE));
    }
}
