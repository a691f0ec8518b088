package jfunc.common.rpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.common.WireValues;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientConfigImpl;
import org.apache.xmlrpc.client.XmlRpcClientRequestImpl;
import org.apache.xmlrpc.common.TypeFactory;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.apache.xmlrpc.common.XmlRpcHttpRequestConfigImpl;
import org.apache.xmlrpc.parser.XmlRpcRequestParser;
import org.apache.xmlrpc.parser.XmlRpcResponseParser;
import org.apache.xmlrpc.serializer.XmlRpcWriter;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Whole XML-RPC messages as bytes, with our rules (extensions off, hardened parser, size caps,
 * results through {@link WireValues}, {@code faultCause} never read), written once for every
 * transport: the HTTPS server and client and the overlord service's Unix-domain socket.
 */
public final class XmlRpcMessages {
    private static final XmlRpcClient CONTROLLER = new XmlRpcClient();
    private static final TypeFactory TYPES = CONTROLLER.getTypeFactory();

    static {
        HardenedXml.install();
    }

    private XmlRpcMessages() {}

    /** A parsed call: the method name and its decoded parameters. */
    public record Request(String method, List<Object> params) {}

    /**
     * Parses a request body of at most {@code maxBytes}; anything else (malformed, oversized,
     * cut short) is an XmlRpcException with code {@link Faults#MALFORMED_REQUEST}.
     */
    public static Request parseRequest(InputStream body, long maxBytes) throws XmlRpcException {
        XmlRpcHttpRequestConfigImpl config = config();
        XmlRpcRequestParser parser = new XmlRpcRequestParser(config, TYPES);
        try {
            HardenedXml.parse(new InputSource(new LimitedInputStream(body, maxBytes)), parser);
        } catch (SAXException | IOException | RuntimeException e) {
            if (e instanceof LimitedInputStream.TooLarge) {
                throw new XmlRpcException(Faults.REQUEST_TOO_LARGE, "the request is larger than " + maxBytes + " bytes");
            }
            String why = e.getMessage() == null
                    ? e.toString() : e.getMessage();
            throw new XmlRpcException(Faults.MALFORMED_REQUEST, "malformed XML-RPC request: " + why);
        }
        if (parser.getMethodName() == null) {
            throw new XmlRpcException(Faults.MALFORMED_REQUEST, "malformed XML-RPC request: no methodName");
        }
        List<Object> params = parser.getParams() == null ? List.of() : List.copyOf(parser.getParams());
        return new Request(parser.getMethodName(), params);
    }

    /** A successful reply carrying {@code value} (converted to wire values first). */
    public static byte[] reply(Object value) {
        XmlRpcHttpRequestConfigImpl config = config();
        return write(xml -> new XmlRpcWriter(config, xml, TYPES).write(config, WireValues.toWire(value)));
    }

    /** A fault reply. */
    public static byte[] fault(int code, String message) {
        XmlRpcHttpRequestConfigImpl config = config();
        return write(xml -> new XmlRpcWriter(config, xml, TYPES).write(config, code, message == null ? "" : message));
    }

    /** A request body for {@code method(params...)}, the params converted to wire values first. */
    public static byte[] request(String method, Object... params) throws XmlRpcException {
        Object[] wire = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            wire[i] = WireValues.toWire(params[i]);
        }
        try {
            return requestBody(method, wire);
        } catch (SAXException | XmlRpcException | IllegalArgumentException e) {
            Exception inner = e instanceof SAXException s ? s.getException() : null;
            throw new XmlRpcException(Faults.BAD_ARGUMENTS,
                    "cannot send this call: " + (inner != null ? inner.getMessage() : e.getMessage()));
        }
    }

    /** The value of a reply body of at most {@code maxBytes}; a fault is thrown as XmlRpcException with its code. */
    public static Object parseReply(InputStream body, long maxBytes) throws XmlRpcException {
        SafeResponseParser parser;
        try {
            parser = readReply(new LimitedInputStream(body, maxBytes));
        } catch (SAXException | IOException e) {
            throw new XmlRpcException(0, "not an XML-RPC reply: " + e.getMessage(), e);
        }
        if (!parser.isSuccess()) {
            throw new XmlRpcException(parser.getErrorCode(), parser.getErrorMessage());
        }
        return parser.getResult();
    }

    /** The body of {@code method(params...)}, the params sent as they are (the HTTPS client's and ours). */
    static byte[] requestBody(String method, Object[] params) throws XmlRpcException, SAXException {
        XmlRpcClientConfigImpl config = clientConfig();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        new XmlRpcWriter(config, LeanXmlWriters.INSTANCE.getXmlWriter(config, buf), TYPES)
                .write(new XmlRpcClientRequestImpl(config, method, params));
        return buf.toByteArray();
    }

    /** Parses a whole reply body (the caller bounds its size) into its value or its fault. */
    static SafeResponseParser readReply(InputStream body) throws SAXException, IOException, XmlRpcException {
        SafeResponseParser parser = new SafeResponseParser(clientConfig(), TYPES);
        HardenedXml.parse(new InputSource(body), parser);
        return parser;
    }

    private static XmlRpcClientConfigImpl clientConfig() {
        XmlRpcClientConfigImpl config = new XmlRpcClientConfigImpl();
        config.setEnabledForExtensions(false);
        config.setEnabledForExceptions(false);
        config.setEncoding("UTF-8");
        return config;
    }

    private static XmlRpcHttpRequestConfigImpl config() {
        XmlRpcHttpRequestConfigImpl config = new XmlRpcHttpRequestConfigImpl();
        config.setEncoding("UTF-8");
        config.setEnabledForExtensions(false);
        config.setEnabledForExceptions(false);
        return config;
    }

    private interface Body {
        void write(org.xml.sax.ContentHandler xml) throws SAXException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        try {
            XmlRpcHttpRequestConfigImpl config = config();
            body.write(LeanXmlWriters.INSTANCE.getXmlWriter(config, buf));
        } catch (SAXException | org.apache.xmlrpc.XmlRpcException e) {
            Exception inner = e instanceof SAXException s ? s.getException() : null;
            throw new IllegalArgumentException(inner != null ? inner.getMessage() : e.getMessage(), e);
        }
        return buf.toByteArray();
    }

    /** Drops {@code faultCause} before the stock parser would deserialise it. */
    static final class SafeResponseParser extends XmlRpcResponseParser {
        private boolean inFault;

        SafeResponseParser(XmlRpcStreamRequestConfig cfg, TypeFactory types) {
            super(cfg, types);
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes attrs) throws SAXException {
            if ("fault".equals(local)) {
                inFault = true;
            }
            super.startElement(uri, local, qName, attrs);
        }

        @Override
        protected void addResult(Object result) throws SAXException {
            if (inFault && result instanceof Map<?, ?> map) {
                map.remove("faultCause");
            }
            super.addResult(result);
        }
    }
}
