package jfunc.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void readsEveryKindOfValue() {
        assertEquals(42L, Json.parse("42"));
        assertEquals(-7L, Json.parse(" -7 "));
        assertEquals(2.5, Json.parse("2.5"));
        assertEquals(1e3, Json.parse("1E3"));
        assertEquals(new BigInteger("123456789012345678901234"), Json.parse("123456789012345678901234"));
        assertEquals(true, Json.parse("true"));
        assertNull(Json.parse("null"));
        assertEquals("a\"b\\c\n\u00e9/", Json.parse("\"a\\\"b\\\\c\\n\\u00e9\\/\""));
        assertEquals(List.of(1L, "x", List.of()), Json.parse("[1, \"x\", []]"));
        Object m = Json.parse("{\"b\": {\"c\": [true]}, \"a\": 1}");
        assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) m).keySet()), "member order is kept");
    }

    @Test
    void refusesMalformedInputWithThePosition() {
        assertMessage("", "character 1: unexpected end");
        assertMessage("[1,", "unexpected end");
        assertMessage("[1 2]", "character 4: expected ']'");
        assertMessage("{a: 1}", "member name in double quotes");
        assertMessage("01", "leading zeros");
        assertMessage("1.", "digits after '.'");
        assertMessage("\"abc", "unterminated string");
        assertMessage("\"\\x\"", "bad escape");
        assertMessage("tru", "expected a value");
        assertMessage("1 2", "after the value");
        assertMessage("[".repeat(300), "nested deeper than 200");
        assertMessage("\"a\nb\"", "control character");
    }

    @Test
    void writesWireValuesCompactAndPretty() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", 3);
        m.put("d", 2.0);
        m.put("s", "q\"\u0001\n");
        m.put("b", new byte[] {1, 2, 3});
        m.put("a", new Object[] {true, 1.5, Double.NaN});
        m.put("e", List.of());
        assertEquals("{\"n\":3,\"d\":2.0,\"s\":\"q\\\"\\u0001\\n\",\"b\":\"AQID\",\"a\":[true,1.5,\"NaN\"],\"e\":[]}",
                Json.write(m));
        assertEquals("{\n  \"x\": [\n    1\n  ],\n  \"y\": {}\n}",
                Json.writePretty(Map.of("x", List.of(1), "y", Map.of()).entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .collect(LinkedHashMap::new, (mm, e) -> mm.put(e.getKey(), e.getValue()), Map::putAll)));
    }

    @Test
    void roundTrips() {
        String text = "{\"a\":[1,2.5,\"x\",false,null,{\"b\":[]}],\"c\":\"\\u2028\"}";
        assertEquals(text, Json.write(Json.parse(text)));
    }

    static void assertMessage(String text, String expected) {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().contains(expected), text + " gave: " + e.getMessage());
    }

    @Test
    void rowsByNameOneALine() {
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("a", new LinkedHashMap<>(Map.of("state", "signed")));
        rows.put("b\"", List.of(1, "x"));
        assertEquals("{\n  \"a\": {\"state\": \"signed\"},\n  \"b\\\"\": [1, \"x\"]\n}", Json.writeByName(rows));
        assertEquals("{}", Json.writeByName(Map.of()));
        assertTrue(Json.parse(Json.writeByName(rows)) instanceof Map, "it parses back");
    }
}
