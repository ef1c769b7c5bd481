namespace VaeCourse; internal static class Placeholder {}
