import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Expands the classes.jar of every AAR in a directory into one class directory (run by the
 * build as a single-file program: `java ExpandAars.java AAR_DIR OUT_DIR`). An AAR without
 * classes.jar, or an entry that would land outside OUT_DIR, fails the build.
 */
public class ExpandAars {
    public static void main(String[] args) throws IOException {
        Path aars = Path.of(args[0]);
        Path out = Path.of(args[1]).toAbsolutePath().normalize();
        List<Path> archives;
        try (Stream<Path> files = Files.list(aars)) {
            archives = files.filter(f -> f.toString().endsWith(".aar")).sorted().toList();
        }
        if (archives.isEmpty()) throw new IOException("no .aar files in " + aars);
        for (Path aar : archives) {
            try (ZipFile zip = new ZipFile(aar.toFile())) {
                ZipEntry classes = zip.getEntry("classes.jar");
                if (classes == null) throw new IOException(aar + " has no classes.jar");
                expand(zip.getInputStream(classes), out);
            }
        }
    }

    private static void expand(InputStream jar, Path out) throws IOException {
        try (ZipInputStream entries = new ZipInputStream(jar)) {
            for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
                Path target = out.resolve(entry.getName()).normalize();
                if (!target.startsWith(out)) throw new IOException("entry outside the output: " + entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
