// Reads zips the way a Java importer does (java.util.zip.ZipInputStream: local headers, streamed,
// CRC checked at the end of every entry) and prints one tab-separated line per entry:
// zip, entry name, bytes read, sha256 of the bytes, method (0 = stored), DOS time as written.
// Compiled at test time into a temp folder by test/zip-compat.test.ts; no class file is committed.
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

public final class ZipRead {
  public static void main(String[] args) throws Exception {
    for (String path : args) {
      try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(new FileInputStream(path)), StandardCharsets.UTF_8)) {
        ZipEntry entry;
        byte[] buffer = new byte[8192];
        while ((entry = in.getNextEntry()) != null) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          long length = 0;
          int read;
          while ((read = in.read(buffer)) > 0) {
            sha.update(buffer, 0, read);
            length += read;
          }
          System.out.println(String.join("\t", path, entry.getName(), Long.toString(length), HexFormat.of().formatHex(sha.digest()), Integer.toString(entry.getMethod()), entry.getTimeLocal().toString()));
        }
      }
    }
  }
}
