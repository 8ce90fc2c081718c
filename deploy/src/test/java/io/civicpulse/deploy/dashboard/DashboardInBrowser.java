package io.civicpulse.deploy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import io.civicpulse.streams.maturity.NextSteps;

/**
 * The dashboard of a running {@code civicpulse local}, in Debian's headless Chromium driven by its chromedriver: the
 * page shows the values the API returns, a value moves when new events arrive (cash payments pushed to the intake
 * lower the e-payment share), and the next-steps panel shows the API's first step. Takes the screenshot the README
 * shows (target/dashboard.png). Skipped, saying why, where chromium or chromedriver is not installed (.ci/run
 * installs both).
 */
public final class DashboardInBrowser {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String INDICATOR = "gov.e-payment-share";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why the check cannot run here, when {@link #available()} says so. */
    public static final String MISSING = "the dashboard browser test needs Debian's chromium and chromium-driver ("
            + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver";

    private final HttpClient http = HttpClient.newHttpClient();
    private ChromeDriver browser;

    private DashboardInBrowser() {
    }

    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** Runs the check against the {@code civicpulse local} whose output (its first lines) is given. */
    public static void check(String localOutput) throws Exception {
        DashboardInBrowser check = new DashboardInBrowser();
        try {
            check.run(localOutput);
        } finally {
            if (check.browser != null) {
                check.browser.quit();
            }
        }
    }

    private void run(String localOutput) throws Exception {
        String dashboard = find(localOutput, "dashboard +=\\s+(http://\\S+/)");
        String intake = find(localOutput, "intake +=\\s+(http://\\S+/v1/events)");
        String key = find(localOutput, "API key (\\S+)\\)");

        String valuePath = "api/v1/indicators?city=sofia&indicator=" + INDICATOR + "&scope=city&window=PT1H";
        await("the engine's first e-payment value").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> apiValue(dashboard + valuePath) != null);

        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory("chromium")));
        browser.manage().window().setSize(new Dimension(1280, 2400));
        browser.get(dashboard + "#city=sofia");

        // The page shows what the API answers (rounded to one decimal as the page prints it).
        await("the page shows the API's e-payment share").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> shown().equals(oneDecimal(apiValue(dashboard + valuePath))));
        String before = shown();
        assertThat(browser.findElement(By.cssSelector("[data-role='level']")).getText()).matches("[1-5]");
        assertThat(browser.findElements(By.cssSelector("[data-dimension]"))).hasSizeGreaterThanOrEqualTo(5);

        // Thirty cash payments, now: the share falls, and the page follows the live stream.
        pushCashPayments(intake, key, 30);
        await("the page shows the lower share").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> !shown().equals(before) && Double.parseDouble(shown()) < Double.parseDouble(before));
        await("the page agrees with the API again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> shown().equals(oneDecimal(apiValue(dashboard + valuePath))));

        // The next-steps panel renders and shows the API's first step: its indicator and the exact value needed.
        assertThat(browser.findElement(By.cssSelector("[data-role='next-steps']")).isDisplayed()).isTrue();
        await("the next-steps panel shows the API's first step").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> nextStepsAgree(dashboard + "api/v1/cities/sofia/next-steps"));

        // The monthly report of the running pipeline renders (a fresh demo has no closed day yet: it says so).
        browser.get(dashboard + "report.html?city=sofia");
        await("the monthly report renders").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> !browser.findElements(By.cssSelector("[data-role='report'][data-state='ready']"))
                        .isEmpty());
        assertThat(browser.findElements(By.cssSelector("[data-role='initiatives']"))).hasSize(1);
        browser.get(dashboard + "#city=sofia");
        await("the dashboard again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> shown().matches("[0-9.]+"));

        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path screenshot = Path.of("target", "dashboard.png");
        Files.write(screenshot, png);
        System.out.println("dashboard screenshot: " + screenshot.toAbsolutePath());
    }

    private String shown() {
        List<WebElement> value = browser.findElements(By.cssSelector("[data-indicator='" + INDICATOR
                + "'] [data-role='value']"));
        return value.isEmpty() ? "" : value.get(0).getText().trim();
    }

    /**
     * Whether the panel's first step is the API's: same indicator, the same needed value (the exact number in
     * data-value, the text rounded to one decimal toward the target); at level 5, no step on either side.
     */
    private boolean nextStepsAgree(String url) {
        JsonNode plan = apiJson(url);
        if (plan == null) {
            return false;
        }
        List<WebElement> shown = browser.findElements(By.cssSelector("[data-role='next-steps'] [data-step]"));
        JsonNode first = plan.path("steps").path(0);
        if (first.isMissingNode()) {
            return plan.path("level").asInt() == 5 && shown.isEmpty();
        }
        if (shown.isEmpty()) {
            return false;
        }
        WebElement step = shown.get(0);
        WebElement needed = step.findElement(By.cssSelector("[data-role='needed-value']"));
        String value = needed.getDomAttribute("data-value");
        if (value == null || !first.path("indicatorId").asText().equals(step.getDomAttribute("data-step"))) {
            return false;
        }
        // The simulated city moves the live index every few seconds and the panel refreshes at most every 5 s, so
        // the page's plan may be a few seconds older than the API's: the same step, its value needed close by.
        double shownValue = Double.parseDouble(value);
        double apiValue = first.path("neededValue").asDouble();
        boolean higher = !first.path("direction").asText().equals("LOWER_IS_BETTER");
        return Math.abs(shownValue - apiValue) <= Math.max(1.0, Math.abs(apiValue) * 0.05)
                && needed.getText().startsWith(NextSteps.towardTarget(shownValue, higher));
    }

    private JsonNode apiJson(String url) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Double apiValue(String url) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonNode values = JSON.readTree(response.body()).path("values");
            return values.isEmpty() || values.get(0).path("kpiValue").isNull() ? null
                    : values.get(0).path("kpiValue").asDouble();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void pushCashPayments(String intake, String key, int count) throws Exception {
        StringBuilder body = new StringBuilder();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < count; i++) {
            String id = "browser-" + UUID.randomUUID();
            body.append(String.format(Locale.ROOT, "{\"type\":\"payment\",\"eventId\":\"%s\",\"city\":\"sofia\","
                    + "\"occurredAt\":\"%s\",\"paymentId\":\"%s\",\"serviceId\":\"parking-permit\",\"amount\":12.5,"
                    + "\"currency\":\"BGN\",\"method\":\"cash\",\"channel\":\"counter\"}%n", id, now.minusSeconds(i),
                    id));
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(intake))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).contains("\"accepted\":" + count);
    }

    private static String oneDecimal(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String find(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("no " + regex + " in the output of civicpulse local:\n" + text);
        }
        return matcher.group(1);
    }
}
