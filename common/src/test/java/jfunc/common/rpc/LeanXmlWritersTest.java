package jfunc.common.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The UTF-8 writer under our XML-RPC messages writes exactly the JDK's UTF-8 bytes. */
class LeanXmlWritersTest {
    static byte[] written(String... pieces) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LeanXmlWriters.Utf8Writer w = new LeanXmlWriters.Utf8Writer(out)) {
            for (String p : pieces) {
                w.write(p);
            }
        }
        return out.toByteArray();
    }

    @Test
    void everyKindOfCharacterIsEncodedAsTheJdkDoes() throws IOException {
        String s = "plain ascii, é ß (2 bytes), € 中文 (3 bytes), 😀 𝄞 (4 bytes)";
        assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), written(s));
    }

    @Test
    void aSurrogatePairSplitBetweenTwoWritesStaysOneCharacter() throws IOException {
        String emoji = "😀";
        assertArrayEquals(("a" + emoji + "b").getBytes(StandardCharsets.UTF_8),
                written("a" + emoji.charAt(0), emoji.charAt(1) + "b"));
    }

    @Test
    void loneSurrogatesBecomeQuestionMarksAsWithTheJdk() throws IOException {
        String s = "x\ud83dy\ude00z\ud83d";
        assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), written(s));
    }

    @Test
    void textLongerThanTheBufferIsWrittenWhole() throws IOException {
        String s = "€😀é".repeat(1000);
        assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), written(s));
    }
}
