// "打印本页" buttons (data-print): the print stylesheet (css/print.css) does the rest.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
