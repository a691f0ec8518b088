package jfunc.common.rpc;

import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocketFactory;
import jfunc.common.tls.Certs;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.XmlRpcRequest;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientConfigImpl;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.apache.xmlrpc.client.XmlRpcSun15HttpTransport;
import org.apache.xmlrpc.client.XmlRpcTransport;
import org.apache.xmlrpc.client.XmlRpcTransportFactory;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.apache.xmlrpc.parser.XmlRpcResponseParser;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.XMLReader;

/**
 * Calls jfunc servers over HTTPS. One instance per process and TLS identity: it shares one
 * {@link SSLSocketFactory}, so the JDK keeps connections alive per host:port and a repeated call
 * costs about a millisecond instead of a full handshake.
 *
 * <p>Safety: extensions off; the reply parser drops {@code faultCause} (CVE-2019-17570: never
 * deserialise what a server sends); replies are capped; the server's certificate must name the
 * peer we meant to call (its CN or SAN), since minions are addressed by name, not by host.
 * Thread-safe.
 */
public final class RpcClient {
    static {
        // HttpURLConnection silently re-sends a POST when a kept-alive connection drops after the
        // request was read, which would run a call twice. Read once, before the first connection.
        if (System.getProperty("sun.net.http.retryPost") == null) {
            System.setProperty("sun.net.http.retryPost", "false");
        }
        HardenedXml.install();
    }

    /** Where to call: the expected certificate name (null: any name our trust accepts) and URL. */
    public record Endpoint(String name, String host, int port) {
        public URL url() {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            try {
                return new URL("https://" + h + ":" + port + "/RPC2");
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("bad address " + host + ":" + port, e);
            }
        }

        @Override
        public String toString() {
            return (name == null ? "" : name + "@") + host + ":" + port;
        }
    }

    private final SSLSocketFactory sockets;
    private final Duration connectTimeout;
    private final Duration replyTimeout;
    private final long maxReplyBytes;
    private final XmlRpcClient xmlrpc = new XmlRpcClient();

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout) {
        this(tls, connectTimeout, replyTimeout, 64L * 1024 * 1024);
    }

    public RpcClient(SSLContext tls, Duration connectTimeout, Duration replyTimeout, long maxReplyBytes) {
        this.sockets = tls.getSocketFactory();
        this.connectTimeout = connectTimeout;
        this.replyTimeout = replyTimeout;
        this.maxReplyBytes = maxReplyBytes;
        xmlrpc.setTransportFactory(new TransportFactory());
    }

    /** Calls one method with the client's default reply timeout. */
    public Object call(Endpoint endpoint, String method, Object... params) throws XmlRpcException {
        return call(endpoint, replyTimeout, method, params);
    }

    /** Calls one method; {@code replyTimeout} bounds each read (a long poll passes a longer one). */
    public Object call(Endpoint endpoint, Duration replyTimeout, String method, Object... params) throws XmlRpcException {
        CallConfig config = new CallConfig(endpoint.name());
        config.setServerURL(endpoint.url());
        config.setEnabledForExtensions(false);
        config.setEnabledForExceptions(false);
        config.setEncoding("UTF-8");
        config.setContentLengthOptional(false);
        config.setConnectionTimeout(toMillis(connectTimeout));
        config.setReplyTimeout(toMillis(replyTimeout));
        return xmlrpc.execute(config, method, params);
    }

    private static int toMillis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    static final class CallConfig extends XmlRpcClientConfigImpl {
        final String expectedName;

        CallConfig(String expectedName) {
            this.expectedName = expectedName;
        }
    }

    private final class TransportFactory implements XmlRpcTransportFactory {
        @Override
        public XmlRpcTransport getTransport() {
            return new Transport(xmlrpc);
        }
    }

    /** The JDK transport with our socket factory, timeouts, name check and safe reply parsing. */
    private final class Transport extends XmlRpcSun15HttpTransport {
        private CallConfig config;

        Transport(XmlRpcClient client) {
            super(client);
            setSSLSocketFactory(sockets);
        }

        @Override
        public Object sendRequest(XmlRpcRequest request) throws XmlRpcException {
            config = (CallConfig) request.getConfig();
            return super.sendRequest(request);
        }

        @Override
        protected URLConnection newURLConnection(URL url) throws java.io.IOException {
            URLConnection c = super.newURLConnection(url);
            c.setConnectTimeout(config.getConnectionTimeout());
            c.setReadTimeout(config.getReplyTimeout());
            if (c instanceof HttpsURLConnection https) {
                // The chain was verified against our CA; the name is checked in writeRequest,
                // also for kept-alive connections, which the JDK reuses without asking this.
                https.setHostnameVerifier((host, session) -> true);
            }
            return c;
        }

        @Override
        protected void writeRequest(ReqWriter writer) throws java.io.IOException, XmlRpcException, SAXException {
            URLConnection c = getURLConnection();
            if (c instanceof HttpsURLConnection https && config.expectedName != null) {
                https.connect();
                Certificate[] chain = https.getServerCertificates();
                if (chain.length == 0 || !(chain[0] instanceof X509Certificate x) || !Certs.isFor(x, config.expectedName)) {
                    String got = chain.length > 0 && chain[0] instanceof X509Certificate x ? Certs.commonName(x) : "nothing";
                    https.disconnect();
                    throw new SSLPeerUnverifiedException("the server's certificate is for '" + got
                            + "', expected '" + config.expectedName + "'");
                }
            }
            super.writeRequest(writer);
        }

        @Override
        protected Object readResponse(XmlRpcStreamRequestConfig cfg, InputStream in) throws XmlRpcException {
            SafeResponseParser parser = new SafeResponseParser(cfg, getClient().getTypeFactory());
            try {
                XMLReader reader = newXMLReader();
                reader.setContentHandler(parser);
                reader.setErrorHandler(SilentErrors.INSTANCE);
                reader.parse(new InputSource(new LimitedInputStream(in, maxReplyBytes)));
            } catch (SAXException e) {
                throw new XmlRpcClientException("not an XML-RPC reply: " + e.getMessage(), e);
            } catch (java.io.IOException e) {
                throw new XmlRpcClientException("failed to read the reply: " + e.getMessage(), e);
            }
            if (parser.isSuccess()) {
                return parser.getResult();
            }
            throw new XmlRpcException(parser.getErrorCode(), parser.getErrorMessage());
        }
    }

    /** Drops {@code faultCause} before the stock parser would deserialise it. */
    private static final class SafeResponseParser extends XmlRpcResponseParser {
        private boolean inFault;

        SafeResponseParser(XmlRpcStreamRequestConfig cfg, org.apache.xmlrpc.common.TypeFactory types) {
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
