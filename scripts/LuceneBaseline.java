// Lucene baseline for scripts/eval-relevance: one document per story (title, body), EnglishAnalyzer, all words required, BM25.
//
// Compiled and run by scripts/eval_relevance.py against the Anserini fatjar of
// the pyserini wheel (which bundles Lucene 9):
//   java -cp JAR:DIR LuceneBaseline index STORIES.tsv INDEX_DIR   # id<TAB>title<TAB>body, one story a line
//   java -cp JAR:DIR LuceneBaseline search INDEX_DIR LIMIT < QUERIES
// `search` prints, for each query line of stdin, its hits as
// `query-number<TAB>rank<TAB>id<TAB>score` lines (numbers from 1), then
// `query-number<TAB>end`. Words of a query are required (AND) and may sit in
// either field, as in tantivy's QueryParser with conjunction by default.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public class LuceneBaseline {
    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("index")) {
            index(args[1], args[2]);
        } else if (args.length == 3 && args[0].equals("search")) {
            search(args[1], Integer.parseInt(args[2]));
        } else {
            System.err.println("usage: LuceneBaseline index STORIES.tsv INDEX_DIR | search INDEX_DIR LIMIT < QUERIES");
            System.exit(2);
        }
    }

    static void index(String stories, String dir) throws Exception {
        Analyzer analyzer = new EnglishAnalyzer();
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        config.setSimilarity(new BM25Similarity());
        config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        config.setRAMBufferSizeMB(256);
        int count = 0;
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(Paths.get(dir)), config);
             BufferedReader in = Files.newBufferedReader(Paths.get(stories), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split("\t", -1);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("line " + (count + 1) + " of " + stories + " has not 3 fields");
                }
                Document document = new Document();
                document.add(new StringField("id", parts[0], Field.Store.YES));
                document.add(new TextField("title", parts[1], Field.Store.NO));
                document.add(new TextField("body", parts[2], Field.Store.NO));
                writer.addDocument(document);
                count++;
            }
            writer.forceMerge(1);
        }
        System.err.println("LuceneBaseline: indexed " + count + " stories with Lucene " + Version.LATEST);
    }

    static void search(String dir, int limit) throws Exception {
        try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(Paths.get(dir)))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(new BM25Similarity());
            MultiFieldQueryParser parser = new MultiFieldQueryParser(new String[] {"title", "body"}, new EnglishAnalyzer());
            parser.setDefaultOperator(QueryParser.Operator.AND);
            PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String text;
            int number = 0;
            while ((text = in.readLine()) != null) {
                number++;
                Query query = parser.parse(QueryParser.escape(text));
                ScoreDoc[] top = searcher.search(query, limit).scoreDocs;
                for (int rank = 0; rank < top.length; rank++) {
                    String id = searcher.storedFields().document(top[rank].doc).get("id");
                    out.println(number + "\t" + (rank + 1) + "\t" + id + "\t" + top[rank].score);
                }
                out.println(number + "\tend");
            }
            out.flush();
        }
    }
}
