package jfunc.common.rpc;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import org.apache.ws.commons.serialize.XMLWriter;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.common.XmlRpcStreamConfig;
import org.apache.ws.commons.serialize.XMLWriterImpl;
import org.apache.xmlrpc.serializer.BaseXmlWriterFactory;
import org.xml.sax.ContentHandler;
import org.xml.sax.SAXException;

/**
 * Writes XML-RPC requests and replies as UTF-8 with one small buffer.
 *
 * <p>Why not Apache XML-RPC's default: it wraps every message's stream in a BufferedWriter over
 * an OutputStreamWriter, 24 KB of buffers per call (the largest single allocation of a jfuncd
 * serving pings, by JFR), while our messages are written into a byte array anyway. And its
 * writer asks a charset encoder about one {@code char} at a time, which refuses each half of a
 * surrogate pair: text outside the BMP (an emoji in a command's output) became two character
 * references to surrogates, which no XML parser accepts, so the whole reply was lost; and it wrote
 * a carriage return as is, which every XML parser reads back as a newline ("\r\n" became "\n"
 * in a command's output). Here every character from U+0020 up is written as UTF-8, a carriage
 * return as a character reference, and a character XML 1.0 cannot carry as U+FFFD.
 */
final class LeanXmlWriters extends BaseXmlWriterFactory {
    static final LeanXmlWriters INSTANCE = new LeanXmlWriters();

    private LeanXmlWriters() {}

    @Override
    protected XMLWriter newXmlWriter() {
        return new XMLWriterImpl() {
            @Override
            public boolean canEncode(char c) {
                return c >= ' ';
            }

            /**
             * Writes a carriage return as a reference (a parser turns a raw "\r\n" into "\n"), and
             * U+FFFD for a character XML 1.0 cannot carry at all, raw or as a reference (controls
             * other than TAB, LF and CR, such as the ESC of coloured output; U+FFFE, U+FFFF): the
             * peer would refuse the whole message.
             */
            @Override
            public void characters(char[] ch, int start, int length) throws SAXException {
                if (plain(ch, start, length)) {
                    // the common case (base64, most text): what the base class writes one char at a time, in one go
                    super.characters(ch, start, 0); // closes a pending start tag
                    try {
                        getWriter().write(ch, start, length);
                    } catch (IOException e) {
                        throw new SAXException(e);
                    }
                    return;
                }
                int from = start;
                for (int i = start; i < start + length; i++) {
                    char c = ch[i];
                    String instead = c == '\r' ? "&#13;" : notInXml(c) ? "\uFFFD" : null;
                    if (instead != null) {
                        super.characters(ch, from, i - from);   // also closes a pending start tag
                        try {
                            getWriter().write(instead);
                        } catch (IOException e) {
                            throw new SAXException(e);
                        }
                        from = i + 1;
                    }
                }
                super.characters(ch, from, start + length - from);
            }
        };
    }

    /** True when every char is printable ASCII that XML text takes as it is (no escaping, no reference). */
    static boolean plain(char[] ch, int start, int length) {
        for (int i = start; i < start + length; i++) {
            char c = ch[i];
            if (c < ' ' || c > '~' || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'') {
                return false;
            }
        }
        return true;
    }

    /** True for the chars XML 1.0 forbids (lone surrogates are written as '?' by {@link Utf8Writer}). */
    static boolean notInXml(char c) {
        return c < ' ' ? c != '\t' && c != '\n' && c != '\r' : c == '\uFFFE' || c == '\uFFFF';
    }

    @Override
    public ContentHandler getXmlWriter(XmlRpcStreamConfig config, OutputStream out) throws XmlRpcException {
        XMLWriter xml = newXmlWriter();
        xml.setDeclarating(true);
        xml.setEncoding("UTF-8");
        xml.setIndenting(false);
        xml.setFlushing(true);
        xml.setWriter(new Utf8Writer(out));
        return xml;
    }

    /** Encodes characters as UTF-8 into a stream through a 512-byte buffer; flush() empties it. */
    static final class Utf8Writer extends Writer {
        private final OutputStream out;
        private final byte[] buf = new byte[512];
        private int n;
        private char high;   // a high surrogate waiting for its low half, or 0

        Utf8Writer(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int c) throws IOException {
            put((char) c);
        }

        @Override
        public void write(char[] chars, int off, int len) throws IOException {
            int i = off;
            int end = off + len;
            while (i < end) {
                if (high == 0 && chars[i] < 0x80) { // a run of ASCII: no surrogate can be pending in it
                    if (n == buf.length) {
                        drain();
                    }
                    int run = Math.min(end - i, buf.length - n);
                    int stop = i + run;
                    while (i < stop && chars[i] < 0x80) {
                        buf[n++] = (byte) chars[i++];
                    }
                } else {
                    put(chars[i++]);
                }
            }
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                put(s.charAt(i));
            }
        }

        private void put(char c) throws IOException {
            if (n + 4 > buf.length) {
                drain();
            }
            if (high != 0) {
                char h = high;
                high = 0;
                if (Character.isLowSurrogate(c)) {
                    int cp = Character.toCodePoint(h, c);
                    buf[n++] = (byte) (0xf0 | (cp >> 18));
                    buf[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    buf[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    buf[n++] = (byte) (0x80 | (cp & 0x3f));
                    return;
                }
                buf[n++] = '?';   // a lone high surrogate, as the JDK's encoder writes it
                if (n + 4 > buf.length) {
                    drain();
                }
            }
            if (c < 0x80) {
                buf[n++] = (byte) c;
            } else if (c < 0x800) {
                buf[n++] = (byte) (0xc0 | (c >> 6));
                buf[n++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c)) {
                high = c;
            } else if (Character.isLowSurrogate(c)) {
                buf[n++] = '?';
            } else {
                buf[n++] = (byte) (0xe0 | (c >> 12));
                buf[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[n++] = (byte) (0x80 | (c & 0x3f));
            }
        }

        private void drain() throws IOException {
            out.write(buf, 0, n);
            n = 0;
        }

        @Override
        public void flush() throws IOException {
            drain();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (high != 0) {
                high = 0;
                put('?');
            }
            flush();
        }
    }
}
